# pragma version 0.4.3
"""
@title FeeController
@notice The controller of DynamicFeePools and of v4 pools behind a DynamicFeeHook: it changes a pool's fee rule
        only with a zero-knowledge proof that the pool's registered policy, run on the pool's own features,
        produced it. A pool is (address, pool id): a DynamicFeePool with id 0, or a hook with the v4 PoolId of
        one of its pools; every function that takes a pool takes the id as a last, optional argument.
@dev A model is an EZKL circuit of the policy (observation -> one action in [-1, 1] per output) with its
     generated verifier, and a rule map: a template rule and, per output, the rule parameter it sets over
     [lo, hi] (log-linear or linear), as envs/rule_map.py. The public inputs are the eight observations,
     quantised at 2**in_scale from `features_at(at)` exactly as envs/features.py `quantised_observation` does,
     then the proven actions at 2**out_scale. Each action is rounded to the model's grid (2**grid_bits steps
     per unit) and mapped onto its parameter as agents/zk/rule_grid.py does; the rule is then clamped as the
     simulator clamps it (envs/_ammcore.c pool_clamp_rule): fees within the pool's bounds, the base at most the
     pool's max step from the current base. Anyone may propose; the proof is the authority.
     The features a proof is about are fixed by the chain: `at` is the later of the pool's last swap and the
     start of the current update interval, so a proposer cannot choose among moments; and a pool's rule
     changes at most once per `min_interval` seconds, whatever happens to its swap count. An update that
     changes nothing is refused.
     Why this module is long: one deployable contract holds the model registry, the governance of both kinds
     of pool and the proof check, which share its storage.
"""

NFEATURES: constant(uint256) = 8
MAX_OUTPUTS: constant(uint256) = 4
NINSTANCES: constant(uint256) = NFEATURES + MAX_OUTPUTS
MAX_PROOF_BYTES: constant(uint256) = 16384
MAX_GRID_BITS: constant(uint256) = 16
MAX_SCALE: constant(uint256) = 24
WAD: constant(uint256) = 10**18
FIELD: constant(uint256) = 21888242871839275222246405745257275088548364400416034343698204186575808495617
OBS_CLIP: constant(int256) = 10
# envs/features.py OBS_SCALE_FRACTIONS
OBS_NUM: constant(int256[NFEATURES]) = [100, 1, 1, 10, 10, 1, 100, 100]
OBS_DEN: constant(int256[NFEATURES]) = [1, 1, 1, 1, 1, 24, 1, 1]
# envs/fee_rule.py RULE_BITS: where each rule parameter sits in the packed word
NRULE: constant(uint256) = 11
FIELD_OFFSET: constant(uint256[NRULE]) = [0, 20, 44, 64, 88, 112, 136, 156, 188, 208, 232]
FIELD_BITS: constant(uint256[NRULE]) = [20, 24, 20, 24, 24, 24, 20, 32, 20, 24, 24]
BASE_MASK: constant(uint256) = 2**20 - 1

interface Hook:
    def features_at(id: bytes32, ts: uint256) -> (int256[NFEATURES], uint256): view
    def epoch(id: bytes32) -> uint256: view
    def last_ts(id: bytes32) -> uint256: view
    def rule(id: bytes32) -> uint256: view
    def set_rule(id: bytes32, new_rule: uint256): nonpayable

interface Pool:
    def features_at(ts: uint256) -> (int256[NFEATURES], uint256): view
    def epoch() -> uint256: view
    def last_ts() -> uint256: view
    def rule() -> uint256: view
    def fee_min() -> uint256: view
    def fee_max() -> uint256: view
    def fee_max_step() -> uint256: view
    def controller() -> address: view
    def set_rule(new_rule: uint256): nonpayable
    def set_protocol_fee(recipient: address, share: uint256): nonpayable

struct Output:
    field: uint256  # index of the rule parameter (envs/fee_rule.py RULE_FIELDS)
    lo: uint256
    hi: uint256
    is_log: bool

struct Model:
    verifier: address
    in_scale: uint256
    out_scale: uint256
    grid_bits: uint256
    template: uint256  # the rule's other parameters, packed
    outputs: DynArray[Output, MAX_OUTPUTS]
    retired: bool

event ModelRegistered:
    model_id: indexed(bytes32)
    verifier: address

event ModelRetired:
    model_id: indexed(bytes32)

event PoolGoverned:
    pool: indexed(address)
    pool_id: indexed(bytes32)
    model_id: indexed(bytes32)

event FeeUpdated:
    pool: indexed(address)
    pool_id: indexed(bytes32)
    model_id: indexed(bytes32)
    epoch: uint256
    old_fee: uint256
    new_fee: uint256
    old_rule: uint256
    new_rule: uint256

owner: public(address)
min_interval: public(uint256)  # seconds between two updates of one pool
models: public(HashMap[bytes32, Model])
_model: HashMap[address, HashMap[bytes32, bytes32]]  # the model governing each pool (0: none)
_updated: HashMap[address, HashMap[bytes32, uint256]]  # when each pool's rule last changed (0: never)


@deploy
def __init__(_min_interval: uint256):
    assert _min_interval > 0, "BadInterval"
    self.owner = msg.sender
    self.min_interval = _min_interval


# ---------- owner ----------

@external
def register_model(
    model_id: bytes32, verifier: address, in_scale: uint256, out_scale: uint256, grid_bits: uint256,
    template: uint256, outputs: DynArray[Output, MAX_OUTPUTS],
):
    assert msg.sender == self.owner, "Unauthorized"
    assert self.models[model_id].verifier == empty(address), "ModelExists"
    assert verifier.is_contract, "NotAContract"
    assert in_scale <= MAX_SCALE and out_scale <= MAX_SCALE and grid_bits <= out_scale, "BadScale"
    assert grid_bits <= MAX_GRID_BITS and len(outputs) > 0, "BadRuleMap"
    for i: uint256 in range(MAX_OUTPUTS):
        if i >= len(outputs):
            break
        o: Output = outputs[i]
        assert o.field < NRULE and o.lo <= o.hi and o.hi < 1 << FIELD_BITS[o.field], "BadRuleMap"
        assert not o.is_log or o.lo > 0, "BadRuleMap"
        for j: uint256 in range(MAX_OUTPUTS):
            if j >= i:
                break
            assert outputs[j].field != o.field, "BadRuleMap"
    self.models[model_id] = Model(
        verifier=verifier, in_scale=in_scale, out_scale=out_scale, grid_bits=grid_bits, template=template,
        outputs=outputs, retired=False,
    )
    log ModelRegistered(model_id=model_id, verifier=verifier)


@external
def retire_model(model_id: bytes32):
    assert msg.sender == self.owner, "Unauthorized"
    assert self.models[model_id].verifier != empty(address), "UnknownModel"
    self.models[model_id].retired = True
    log ModelRetired(model_id=model_id)


@external
def govern(pool: address, model_id: bytes32, pool_id: bytes32 = empty(bytes32)):
    """
    @notice Puts `pool` (whose controller is this contract; a hook's pool `pool_id`, which must exist) under
            `model_id`.
    """
    assert msg.sender == self.owner, "Unauthorized"
    self._check_model(model_id)
    assert staticcall Pool(pool).controller() == self, "NotController"
    self._last_ts(pool, pool_id)  # a hook refuses an id it has no pool for
    self._model[pool][pool_id] = model_id
    log PoolGoverned(pool=pool, pool_id=pool_id, model_id=model_id)


@view
@external
def pool_model(pool: address, pool_id: bytes32 = empty(bytes32)) -> bytes32:
    """
    @notice The model governing a pool (0: none).
    """
    return self._model[pool][pool_id]


@view
@external
def last_update(pool: address, pool_id: bytes32 = empty(bytes32)) -> uint256:
    """
    @notice When a pool's rule last changed through this controller (0: never).
    """
    return self._updated[pool][pool_id]


@external
def set_protocol_fee(pool: address, recipient: address, share: uint256):
    """
    @notice Sets the protocol fee switch of a governed `pool` (DynamicFeePool.set_protocol_fee): `recipient` is
            minted LP shares worth `share` bps (at most 25%) of the LP fee growth; share 0 turns it off. The
            pool checks the bounds and logs ProtocolFeeSet.
    """
    assert msg.sender == self.owner, "Unauthorized"
    assert self._model[pool][empty(bytes32)] != empty(bytes32), "NotGoverned"
    extcall Pool(pool).set_protocol_fee(recipient, share)


@external
def set_min_interval(seconds: uint256):
    assert msg.sender == self.owner, "Unauthorized"
    assert seconds > 0, "BadInterval"
    self.min_interval = seconds


# ---------- proposals ----------

@view
@external
def expected_at(pool: address, pool_id: bytes32 = empty(bytes32)) -> uint256:
    """
    @notice The moment whose features a proposal for a pool in this block must prove: the later of the pool's
            last swap and the start of the current update interval.
    """
    return self._at(pool, pool_id)


@external
def propose(pool: address, model_id: bytes32, at: uint256, epoch: uint256, actions: DynArray[int256, MAX_OUTPUTS],
            proof: Bytes[MAX_PROOF_BYTES], pool_id: bytes32 = empty(bytes32)):
    """
    @notice Sets a pool's fee rule to what `actions` set if `proof` shows that model `model_id`, on the pool's
            features at `at` of `epoch`, output `actions`.
    """
    governing: bytes32 = self._model[pool][pool_id]
    assert governing != empty(bytes32), "NotGoverned"
    m: Model = self._check_model(model_id)
    assert governing == model_id, "WrongModel"
    last: uint256 = self._updated[pool][pool_id]
    assert last == 0 or block.timestamp >= last + self.min_interval, "TooSoon"
    assert epoch == self._epoch(pool, pool_id) and at == self._at(pool, pool_id), "StaleFeatures"
    assert len(actions) == len(m.outputs), "WrongActions"
    one: int256 = convert(1 << m.out_scale, int256)
    for a: int256 in actions:
        assert -one <= a and a <= one, "ActionOutOfRange"
    old: uint256 = self._rule(pool, pool_id)
    new: uint256 = self._clamp(self._rule_of(actions, m), old, pool)
    assert new != old, "NoChange"

    features: int256[NFEATURES] = self._features_at(pool, pool_id, at)
    assert self._verified(m.verifier, proof, self._instances(features, actions, m.in_scale)), "InvalidProof"

    self._updated[pool][pool_id] = block.timestamp
    if pool_id == empty(bytes32):
        extcall Pool(pool).set_rule(new)
    else:
        extcall Hook(pool).set_rule(pool_id, new)
    log FeeUpdated(
        pool=pool, pool_id=pool_id, model_id=model_id, epoch=epoch, old_fee=old & BASE_MASK, new_fee=new & BASE_MASK,
        old_rule=old, new_rule=new,
    )


@view
@external
def rule_of(model_id: bytes32, actions: DynArray[int256, MAX_OUTPUTS]) -> uint256:
    """
    @notice The rule (packed, before the pool's clamp) proven actions of `model_id` set.
    """
    return self._rule_of(actions, self.models[model_id])


@view
@external
def clamped(pool: address, rule: uint256, pool_id: bytes32 = empty(bytes32)) -> uint256:
    """
    @notice `rule` as an update of a pool would set it: fees within its bounds, the base within its max step.
    """
    return self._clamp(rule, self._rule(pool, pool_id), pool)


@view
@external
def public_inputs(
    pool: address, model_id: bytes32, at: uint256, actions: DynArray[int256, MAX_OUTPUTS],
    pool_id: bytes32 = empty(bytes32),
) -> DynArray[uint256, NINSTANCES]:
    """
    @notice The field elements a proof for a pool at time `at` must open to (what `propose` checks).
    """
    features: int256[NFEATURES] = self._features_at(pool, pool_id, at)
    return self._instances(features, actions, self.models[model_id].in_scale)


# ---------- internals ----------

@view
@internal
def _check_model(model_id: bytes32) -> Model:
    m: Model = self.models[model_id]
    assert m.verifier != empty(address), "UnknownModel"
    assert not m.retired, "ModelRetired"
    return m


@view
@internal
def _at(pool: address, pool_id: bytes32) -> uint256:
    return max(self._last_ts(pool, pool_id), block.timestamp - block.timestamp % self.min_interval)


# a pool's state: a DynamicFeePool's (id 0) or a hook's pool's

@view
@internal
def _last_ts(pool: address, pool_id: bytes32) -> uint256:
    if pool_id == empty(bytes32):
        return staticcall Pool(pool).last_ts()
    return staticcall Hook(pool).last_ts(pool_id)


@view
@internal
def _epoch(pool: address, pool_id: bytes32) -> uint256:
    if pool_id == empty(bytes32):
        return staticcall Pool(pool).epoch()
    return staticcall Hook(pool).epoch(pool_id)


@view
@internal
def _rule(pool: address, pool_id: bytes32) -> uint256:
    if pool_id == empty(bytes32):
        return staticcall Pool(pool).rule()
    return staticcall Hook(pool).rule(pool_id)


@view
@internal
def _features_at(pool: address, pool_id: bytes32, at: uint256) -> int256[NFEATURES]:
    features: int256[NFEATURES] = empty(int256[NFEATURES])
    epoch: uint256 = 0
    if pool_id == empty(bytes32):
        features, epoch = staticcall Pool(pool).features_at(at)
    else:
        features, epoch = staticcall Hook(pool).features_at(pool_id, at)
    return features


@pure
@internal
def _instances(features: int256[NFEATURES], actions: DynArray[int256, MAX_OUTPUTS], scale: uint256) -> DynArray[uint256, NINSTANCES]:
    out: DynArray[uint256, NINSTANCES] = []
    for i: uint256 in range(NFEATURES):
        out.append(self._felt(self._quantise(features[i], i, scale)))
    for a: int256 in actions:
        out.append(self._felt(a))
    return out


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
def _value(action: int256, o: Output, out_scale: uint256, bits: uint256) -> uint256:
    """The parameter a proven action sets: its grid point t in [0, 2**(bits + 1)] mapped onto [lo, hi]."""
    coarse: uint256 = out_scale - bits
    u: uint256 = convert(action + convert(1 << out_scale, int256), uint256)
    t: uint256 = (u + ((1 << coarse) >> 1)) >> coarse
    top: uint256 = 1 << (bits + 1)
    if not o.is_log:
        return o.lo + ((o.hi - o.lo) * t + top // 2) // top
    root: uint256 = o.hi * WAD // o.lo
    acc: uint256 = WAD
    for k: uint256 in range(MAX_GRID_BITS + 2):
        if k > bits + 1:
            break
        if (t >> (bits + 1 - k)) & 1 == 1:
            acc = acc * root // WAD
        root = isqrt(root * WAD)
    return (o.lo * acc + WAD // 2) // WAD


@pure
@internal
def _rule_of(actions: DynArray[int256, MAX_OUTPUTS], m: Model) -> uint256:
    rule: uint256 = m.template
    for i: uint256 in range(MAX_OUTPUTS):
        if i >= len(m.outputs):
            break
        o: Output = m.outputs[i]
        offset: uint256 = FIELD_OFFSET[o.field]
        mask: uint256 = ((1 << FIELD_BITS[o.field]) - 1) << offset
        rule = (rule & ~mask) | (self._value(actions[i], o, m.out_scale, m.grid_bits) << offset)
    return rule


@view
@internal
def _clamp(rule: uint256, old: uint256, pool: address) -> uint256:
    """envs/_ammcore.c pool_clamp_rule: the base within the pool's bounds and its max step of the current base,
    the skew cap, volatility jump and surge fee at most the pool's highest fee."""
    fee_min: uint256 = staticcall Pool(pool).fee_min()
    fee_max: uint256 = staticcall Pool(pool).fee_max()
    step: uint256 = staticcall Pool(pool).fee_max_step()
    current: uint256 = old & BASE_MASK
    lo: uint256 = max(fee_min, current - min(current, step))
    hi: uint256 = min(fee_max, current + step)
    out: uint256 = (rule & ~BASE_MASK) | max(lo, min(hi, rule & BASE_MASK))
    for f: uint256 in [2, 6, 8]:  # skew_cap, vol_jump, surge_fee
        offset: uint256 = FIELD_OFFSET[f]
        value: uint256 = (out >> offset) & (2**20 - 1)
        if value > fee_max:
            out = (out & ~((2**20 - 1) << offset)) | (fee_max << offset)
    return out


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
