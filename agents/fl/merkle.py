"""The Merkle trees of contracts/TrainingRounds.vy: a client's update, the round's aggregate, and its rewards.

Both trees hash sorted pairs, as OpenZeppelin's MerkleProof: a parent is keccak256(min(a, b) || max(a, b)),
comparing the two 32-byte values as big-endian integers. The leaf level is padded with bytes32(0) leaves up
to the next power of two (at least one leaf); a proof lists the siblings from the leaf upwards, so every proof
of one tree has the same length, log2 of the padded width. A padding leaf proves nothing: no one knows a
preimage of zero.

- Update tree (a client's update, the round's aggregate): leaf i of a vector v of length d is
  keccak256(abi.encode(uint256 i, int256 v[i])). The contract also requires a proof's length to be the depth
  of the round's d (`depth(d)`), and i < d.
- Rewards tree: leaf = keccak256(keccak256(abi.encode(uint256 round_id, address account, uint256 amount))),
  the double hash keeping an inner node from passing for a leaf; leaves in ascending order of the account's
  address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from eth_abi import encode
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

ZERO = b"\x00" * 32


class MerkleError(ValueError):
    """A tree or proof asked of something that has none (an empty vector, an index out of range)."""


def depth(width: int) -> int:
    """Levels above the leaves of a tree of `width` leaves (the length of each of its proofs)."""
    if width < 1:
        raise MerkleError("a tree needs at least one leaf")
    return (width - 1).bit_length()


def hash_pair(a: bytes, b: bytes) -> bytes:
    """The parent of two nodes: keccak256 of the smaller then the larger."""
    return keccak(a + b) if a <= b else keccak(b + a)


def update_leaf(i: int, value: int) -> bytes:
    """keccak256(abi.encode(uint256 i, int256 value))."""
    return keccak(int(i).to_bytes(32, "big") + int(value).to_bytes(32, "big", signed=True))


def reward_leaf(round_id: int, account: str, amount: int) -> bytes:
    """keccak256(keccak256(abi.encode(uint256 round_id, address account, uint256 amount)))."""
    return keccak(keccak(encode(["uint256", "address", "uint256"], [round_id, account, amount])))


class Tree:
    """A sorted-pair tree over `leaves`, padded with zero leaves to a power of two; every level kept, so each
    proof is a walk up."""

    def __init__(self, leaves: Iterable[bytes]):
        level = list(leaves)
        level += [ZERO] * ((1 << depth(len(level))) - len(level))
        self.levels = [level]
        while len(level) > 1:
            level = [hash_pair(level[k], level[k + 1]) for k in range(0, len(level), 2)]
            self.levels.append(level)

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, i: int) -> list[bytes]:
        if not 0 <= i < len(self.levels[0]):
            raise MerkleError(f"leaf {i} of a tree of {len(self.levels[0])}")
        out = []
        for level in self.levels[:-1]:
            out.append(level[i ^ 1])
            i >>= 1
        return out


def update_tree(values: Sequence[int]) -> Tree:
    """The tree of an update (or aggregate) vector of integers."""
    return Tree(update_leaf(i, int(v)) for i, v in enumerate(values))


def update_root(values: Sequence[int]) -> bytes:
    return update_tree(values).root


def update_proof(values: Sequence[int], i: int) -> list[bytes]:
    """The proof of coordinate i (build `update_tree` once for many proofs of one vector)."""
    if not 0 <= i < len(values):
        raise MerkleError(f"coordinate {i} of an update of {len(values)}")
    return update_tree(values).proof(i)


def process_proof(proof: Sequence[bytes], leaf: bytes) -> bytes:
    """The root that `proof` leads to from `leaf` (OpenZeppelin MerkleProof.processProof)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def verify_update(root: bytes, dims: int, i: int, value: int, proof: Sequence[bytes]) -> bool:
    """What the contract checks in a dispute: coordinate i < dims of the vector under `root` is `value`."""
    return 0 <= i < dims and len(proof) == depth(dims) and process_proof(proof, update_leaf(i, value)) == root


def rewards_tree(round_id: int, amounts: Mapping[str, int]) -> tuple[bytes, dict[str, list[bytes]]]:
    """(root, {checksummed account: proof}) of a round's rewards; accounts in ascending address order."""
    if not amounts:
        raise MerkleError("a rewards tree needs at least one account")
    accounts = sorted((to_checksum_address(a) for a in amounts), key=lambda a: int(a, 16))
    by_account = {to_checksum_address(a): int(v) for a, v in amounts.items()}
    tree = Tree(reward_leaf(round_id, a, by_account[a]) for a in accounts)
    return tree.root, {a: tree.proof(k) for k, a in enumerate(accounts)}


def verify_reward(root: bytes, round_id: int, account: str, amount: int, proof: Sequence[bytes]) -> bool:
    """What the contract checks in a claim."""
    return process_proof(proof, reward_leaf(round_id, account, amount)) == root


def commitment(root: bytes, salt: bytes, sender: str) -> bytes:
    """A commit of an update's root: keccak256(abi.encode(bytes32 root, bytes32 salt, address sender))."""
    return keccak(encode(["bytes32", "bytes32", "address"], [root, salt, sender]))
