# pragma version 0.4.3
"""
@title ReentrantToken
@notice An ERC20 that, once armed, calls back into a pool's swap from inside transferFrom: the attack a
        pool's reentrancy guard must refuse. For tests only.
"""

interface Pool:
    def swap(zero_for_one: bool, amount_in: uint256, min_out: uint256, recipient: address, deadline: uint256) -> uint256: nonpayable

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
target: public(address)


@deploy
def __init__():
    self.name = "Reentrant"
    self.symbol = "RE"
    self.decimals = 18


@external
def arm(pool: address):
    self.target = pool


@external
def mint(receiver: address, amount: uint256):
    self.totalSupply += amount
    self.balanceOf[receiver] += amount


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    return True


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    pool: address = self.target
    if pool != empty(address):
        self.target = empty(address)
        extcall Pool(pool).swap(True, 10**15, 0, self, max_value(uint256))
    self.allowance[sender][msg.sender] -= amount
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    return True
