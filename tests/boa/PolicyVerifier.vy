# pragma version 0.4.3
"""
@title PolicyVerifier
@notice A stand-in for an EZKL verifier, for the FeeController state machine in tests/: it accepts a "proof" of
        public inputs (the eight quantised observations, then the actions) exactly when the actions are what a
        fixed linear policy outputs on those observations, i.e. when the statement a real proof proves is true
        (a sound and complete verifier, without the cryptography):
            action_i = clamp(sum_j weight[i][j] * obs_j // 2**shift_bits + bias[i], -one, one)   (// truncates)
        The proof's bytes are ignored. Tests only: never deploy.
"""

NFEATURES: constant(uint256) = 8
MAX_OUTPUTS: constant(uint256) = 4
FIELD: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617

weight: public(int256[NFEATURES][MAX_OUTPUTS])
bias: public(int256[MAX_OUTPUTS])
shift_bits: public(uint256)
one: public(int256)


@deploy
def __init__(weight: int256[NFEATURES][MAX_OUTPUTS], bias: int256[MAX_OUTPUTS], shift_bits: uint256, one: int256):
    self.weight = weight
    self.bias = bias
    self.shift_bits = shift_bits
    self.one = one


@pure
@internal
def _signed(felt: uint256) -> int256:
    if felt > FIELD // 2:
        return -convert(FIELD - felt, int256)
    return convert(felt, int256)


@view
@external
def verifyProof(proof: Bytes[16384], instances: DynArray[uint256, 12]) -> bool:
    if len(instances) <= NFEATURES:
        return False
    for i: uint256 in range(MAX_OUTPUTS):
        if NFEATURES + i >= len(instances):
            break
        acc: int256 = 0
        for j: uint256 in range(NFEATURES):
            acc += self.weight[i][j] * self._signed(instances[j])
        action: int256 = max(-self.one, min(self.one, acc // convert(1 << self.shift_bits, int256) + self.bias[i]))
        if self._signed(instances[NFEATURES + i]) != action:
            return False
    return True
