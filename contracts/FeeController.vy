# pragma version 0.4.3
"""
@title FeeController
@notice The controller of DynamicFeePools: it changes a pool's fee only with a zero-knowledge proof that the
        pool's registered policy, run on the pool's own features, produced it.
@dev A model is an EZKL circuit of the policy (observation -> action in [-1, 1]) with its generated verifier.
     The public inputs are the seven observations, quantised at 2**in_scale from `features_at(at)` exactly
     as envs/features.py `quantised_observation` does, then the proven action at 2**out_scale. The action
     is rounded to the model's fee grid (2**fee_bits steps per unit) and mapped log-linearly onto
     [fee_lo, fee_hi] pips, as agents/zk/fee_grid.py does. Anyone may propose; the proof is the authority.
"""

NFEATURES: constant(uint256) = 7
NINSTANCES: constant(uint256) = 8
MAX_PROOF_BYTES: constant(uint256) = 16384
MAX_FEE_BITS: constant(uint256) = 16
MAX_SCALE: constant(uint256) = 24
WAD: constant(uint256) = 10**18
FIELD: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617
OBS_CLIP: constant(int256) = 10
# envs/features.py OBS_SCALE_FRACTIONS
OBS_NUM: constant(int256[NFEATURES]) = [100, 1, 1, 10, 10, 1, 100]
OBS_DEN: constant(int256[NFEATURES]) = [1, 1, 1, 1, 1, 24, 1]

interface Pool:
    def features_at(ts: uint256) -> (int256[NFEATURES], uint256): view
    def epoch() -> uint256: view
    def fee() -> uint256: view
    def fee_min() -> uint256: view
    def fee_max() -> uint256: view
    def fee_max_step() -> uint256: view
    def controller() -> address: view
    def set_fee(new_fee: uint256): nonpayable

struct Model:
    verifier: address
    in_scale: uint256
    out_scale: uint256
    fee_bits: uint256
    fee_lo: uint256
    fee_hi: uint256
    retired: bool

event ModelRegistered:
    model_id: indexed(bytes32)
    verifier: address

event ModelRetired:
    model_id: indexed(bytes32)

event PoolGoverned:
    pool: indexed(address)
    model_id: indexed(bytes32)

event FeeUpdated:
    pool: indexed(address)
    model_id: indexed(bytes32)
    epoch: uint256
    old_fee: uint256
    new_fee: uint256
    action: int256

owner: public(address)
max_age: public(uint256)  # seconds the proven features may lie behind the block
models: public(HashMap[bytes32, Model])
pool_model: public(HashMap[address, bytes32])
# epoch + 1 of each pool's last accepted update (0: none yet)
updated_epoch: public(HashMap[address, uint256])


@deploy
def __init__(_max_age: uint256):
    self.owner = msg.sender
    self.max_age = _max_age


# ---------- owner ----------

@external
def register_model(
    model_id: bytes32, verifier: address, in_scale: uint256, out_scale: uint256, fee_bits: uint256,
    fee_lo: uint256, fee_hi: uint256,
):
    assert msg.sender == self.owner, "Unauthorized"
    assert self.models[model_id].verifier == empty(address), "ModelExists"
    assert verifier.is_contract, "NotAContract"
    assert in_scale <= MAX_SCALE and out_scale <= MAX_SCALE and fee_bits <= out_scale, "BadScale"
    assert fee_bits <= MAX_FEE_BITS and 0 < fee_lo and fee_lo <= fee_hi, "BadFeeMap"
    self.models[model_id] = Model(
        verifier=verifier, in_scale=in_scale, out_scale=out_scale, fee_bits=fee_bits, fee_lo=fee_lo,
        fee_hi=fee_hi, retired=False,
    )
    log ModelRegistered(model_id=model_id, verifier=verifier)


@external
def retire_model(model_id: bytes32):
    assert msg.sender == self.owner, "Unauthorized"
    assert self.models[model_id].verifier != empty(address), "UnknownModel"
    self.models[model_id].retired = True
    log ModelRetired(model_id=model_id)


@external
def govern(pool: address, model_id: bytes32):
    """
    @notice Puts `pool` (whose controller is this contract) under `model_id`.
    """
    assert msg.sender == self.owner, "Unauthorized"
    self._check_model(model_id)
    assert staticcall Pool(pool).controller() == self, "NotController"
    self.pool_model[pool] = model_id
    log PoolGoverned(pool=pool, model_id=model_id)


@external
def set_max_age(seconds: uint256):
    assert msg.sender == self.owner, "Unauthorized"
    self.max_age = seconds


# ---------- proposals ----------

@external
def propose(pool: address, model_id: bytes32, at: uint256, epoch: uint256, action: int256, fee: uint256,
            proof: Bytes[MAX_PROOF_BYTES]):
    """
    @notice Sets `pool`'s fee to `fee` if `proof` shows that model `model_id`, on the pool's features at
            time `at` of `epoch`, output `action`, and `fee` is that action on the model's fee grid.
    """
    assert self.pool_model[pool] != empty(bytes32), "NotGoverned"
    m: Model = self._check_model(model_id)
    assert self.pool_model[pool] == model_id, "WrongModel"
    assert epoch == staticcall Pool(pool).epoch(), "StaleFeatures"
    assert self.updated_epoch[pool] != epoch + 1, "AlreadyUpdated"
    assert at <= block.timestamp and block.timestamp - at <= self.max_age, "StaleTimestamp"
    one: int256 = convert(1 << m.out_scale, int256)
    assert -one <= action and action <= one, "ActionOutOfRange"
    assert fee == self._fee_of(action, m), "FeeMismatch"
    assert staticcall Pool(pool).fee_min() <= fee and fee <= staticcall Pool(pool).fee_max(), "FeeOutOfBounds"
    old: uint256 = staticcall Pool(pool).fee()
    assert max(old, fee) - min(old, fee) <= staticcall Pool(pool).fee_max_step(), "FeeStepTooLarge"

    features: int256[NFEATURES] = empty(int256[NFEATURES])
    pool_epoch: uint256 = 0
    features, pool_epoch = staticcall Pool(pool).features_at(at)
    instances: DynArray[uint256, NINSTANCES] = []
    for i: uint256 in range(NFEATURES):
        instances.append(self._felt(self._quantise(features[i], i, m.in_scale)))
    instances.append(self._felt(action))
    assert self._verified(m.verifier, proof, instances), "InvalidProof"

    self.updated_epoch[pool] = epoch + 1
    extcall Pool(pool).set_fee(fee)
    log FeeUpdated(pool=pool, model_id=model_id, epoch=epoch, old_fee=old, new_fee=fee, action=action)


@view
@external
def fee_of(model_id: bytes32, action: int256) -> uint256:
    """
    @notice The fee (pips) a proven action of `model_id` maps to.
    """
    return self._fee_of(action, self.models[model_id])


@view
@external
def public_inputs(pool: address, model_id: bytes32, at: uint256, action: int256) -> DynArray[uint256, NINSTANCES]:
    """
    @notice The field elements a proof for `pool` at time `at` must open to (what `propose` checks).
    """
    m: Model = self.models[model_id]
    features: int256[NFEATURES] = empty(int256[NFEATURES])
    epoch: uint256 = 0
    features, epoch = staticcall Pool(pool).features_at(at)
    out: DynArray[uint256, NINSTANCES] = []
    for i: uint256 in range(NFEATURES):
        out.append(self._felt(self._quantise(features[i], i, m.in_scale)))
    out.append(self._felt(action))
    return out


# ---------- internals ----------

@view
@internal
def _check_model(model_id: bytes32) -> Model:
    m: Model = self.models[model_id]
    assert m.verifier != empty(address), "UnknownModel"
    assert not m.retired, "ModelRetired"
    return m


@pure
@internal
def _quantise(x: int256, i: uint256, scale: uint256) -> int256:
    """round(x / WAD * OBS_NUM / OBS_DEN * 2**scale), half away from zero, clipped to +-OBS_CLIP."""
    denom: int256 = OBS_DEN[i] * convert(WAD, int256)
    q: int256 = ((abs(x) * OBS_NUM[i] << scale) + denom // 2) // denom
    if x < 0:
        q = -q
    limit: int256 = OBS_CLIP << scale
    return max(-limit, min(limit, q))


@pure
@internal
def _felt(x: int256) -> uint256:
    if x >= 0:
        return convert(x, uint256)
    return FIELD - convert(-x, uint256)


@pure
@internal
def _fee_of(action: int256, m: Model) -> uint256:
    """fee_lo * (fee_hi / fee_lo) ** (t / 2**(fee_bits + 1)) pips, t the action on the fee grid in
    [0, 2**(fee_bits + 1)], from the binary digits of t and repeated square roots of the ratio (WAD)."""
    coarse: uint256 = m.out_scale - m.fee_bits
    u: uint256 = convert(action + convert(1 << m.out_scale, int256), uint256)
    t: uint256 = (u + ((1 << coarse) >> 1)) >> coarse
    root: uint256 = m.fee_hi * WAD // m.fee_lo
    acc: uint256 = WAD
    for k: uint256 in range(MAX_FEE_BITS + 2):
        if k > m.fee_bits + 1:
            break
        if (t >> (m.fee_bits + 1 - k)) & 1 == 1:
            acc = acc * root // WAD
        root = isqrt(root * WAD)
    return (m.fee_lo * acc + WAD // 2) // WAD


@internal
def _verified(verifier: address, proof: Bytes[MAX_PROOF_BYTES], instances: DynArray[uint256, NINSTANCES]) -> bool:
    ok: bool = False
    result: Bytes[32] = b""
    ok, result = raw_call(
        verifier,
        abi_encode(proof, instances, method_id=method_id("verifyProof(bytes,uint256[])")),
        max_outsize=32,
        revert_on_failure=False,
    )
    return ok and len(result) == 32 and convert(result, uint256) == 1
