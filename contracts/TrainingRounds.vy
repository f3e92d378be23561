# pragma version 0.4.3
"""
@title TrainingRounds
@custom:why Why this module is long: stakes, rounds, disputes with their on-chain rules, claims and lazy slashing
            share one packed storage layout.
@notice The on-chain side of federated training of the fee policy: participants stake (and burn a registration
        fee, the Sybil cost), commit to and reveal the Merkle roots of their updates; the coordinator, against
        a bond, finalizes the aggregate's root and a rewards Merkle root; during a challenge window anyone may
        dispute one coordinate of the aggregate by recomputing it from the revealed updates; after the window
        the round is final and rewards are claimed by Merkle proof.
@dev Trees (agents/fl/merkle.py): sorted-pair keccak256 trees, the leaf level padded with zero leaves to a
     power of two. An update's leaf i is keccak256(abi.encode(uint256 i, int256 v_i)); a rewards leaf is
     keccak256(keccak256(abi.encode(uint256 round_id, address account, uint256 amount))).
     Aggregation (agents/fl/rules.py; tdiv rounds toward zero, as `//` on int256): over the revealed clients
     not listed by the coordinator, in reveal order, with the stakes snapshotted at commit as weights:
     rule 0 mean, 1 median, 2 trimmed mean (rule_param: the trimmed fraction of weight on each side, bps).
     Other rules cannot be recomputed one coordinate at a time and are audited off chain (`lamm fl audit`).
     A counted value beyond +-2**47 (agents/fl/fixed_point.py MAX_ABS) is a malformed update the coordinator
     should have refused: a dispute that opens one succeeds whatever the aggregate. Disputes need every
     counted update opened: the coordinator lists any client whose update it did not receive in full.
     Slashing takes a participant's whole stake into the reward pool, lazily: a committer who did not reveal
     once the reveal phase is over, a listed one once its round is final (a dispute voids the list). It
     applies on the participant's next commit, stake, exit or withdrawal, or whenever anyone calls settle().
     A round not finalized within challenge_seconds of its reveal deadline lapses: it never becomes final and
     its coordinator's bond goes to the reward pool. Rounds run one at a time: the next opens once the last
     is finalized (its challenge window may still run) or lapsed.
     Storage is packed by hand (one word per participant, one per round's phase) to keep commit and reveal
     cheap; stakes and weights are below 2**96.
"""

from ethereum.ercs import IERC20

MAX_CLIENTS: constant(uint256) = 64
MAX_DEPTH: constant(uint256) = 16
MAX_REWARD_DEPTH: constant(uint256) = 32
MAX_ABS: constant(int256) = 2**47
BPS: constant(uint256) = 10_000

RULE_MEAN: constant(uint256) = 0
RULE_MEDIAN: constant(uint256) = 1
RULE_TRIMMED: constant(uint256) = 2

# a participant's word: stake | weight (stake at its last commit) | last committed round | flags
MASK96: constant(uint256) = 2**96 - 1
MASK48: constant(uint256) = 2**48 - 1
WEIGHT_SHIFT: constant(uint256) = 96
ROUND_SHIFT: constant(uint256) = 192
REGISTERED: constant(uint256) = 1 << 240
REVEALED: constant(uint256) = 1 << 241
FLAGGED: constant(uint256) = 1 << 242  # listed by the coordinator in its last round
EXITING: constant(uint256) = 1 << 243

# a round's word: phase deadlines, counts, status, rule, dims, whether it holds the coordinator's bond
MASK40: constant(uint256) = 2**40 - 1
MASK32: constant(uint256) = 2**32 - 1
MASK8: constant(uint256) = 2**8 - 1
REVEAL_END_SHIFT: constant(uint256) = 40
CHALLENGE_END_SHIFT: constant(uint256) = 80
COMMITTED_SHIFT: constant(uint256) = 120
REVEALED_SHIFT: constant(uint256) = 128
STATUS_SHIFT: constant(uint256) = 136
RULE_SHIFT: constant(uint256) = 144
DIMS_SHIFT: constant(uint256) = 152
HOLDS_BOND: constant(uint256) = 1 << 184
OPEN: constant(uint256) = 1
FINALIZED: constant(uint256) = 2
DISPUTED: constant(uint256) = 3

event Registered:
    who: indexed(address)
    stake: uint256
    burned: uint256

event StakeAdded:
    who: indexed(address)
    amount: uint256
    stake: uint256

event ExitRequested:
    who: indexed(address)
    exit_at: uint256

event Withdrawn:
    who: indexed(address)
    amount: uint256

event Slashed:
    who: indexed(address)
    round_id: indexed(uint256)
    amount: uint256
    listed: bool  # listed by the coordinator (else: committed, never revealed)

event Funded:
    sender: indexed(address)
    amount: uint256

event BondPosted:
    who: indexed(address)
    amount: uint256

event BondWithdrawn:
    who: indexed(address)
    amount: uint256

event BondReleased:
    round_id: indexed(uint256)
    coordinator: indexed(address)
    amount: uint256
    forfeited: bool  # the round lapsed: the bond went to the reward pool

event CoordinatorSet:
    coordinator: indexed(address)

event RoundOpened:
    round_id: indexed(uint256)
    model_hash: bytes32
    rule: uint8
    rule_param: uint256
    dims: uint256
    commit_end: uint256
    reveal_end: uint256

event Committed:
    round_id: indexed(uint256)
    who: indexed(address)
    commitment: bytes32
    weight: uint256

event Revealed:
    round_id: indexed(uint256)
    who: indexed(address)
    update_root: bytes32
    index: uint256

event Finalized:
    round_id: indexed(uint256)
    aggregate_root: bytes32
    rewards_root: bytes32
    reward_total: uint256
    challenge_end: uint256
    listed: DynArray[address, MAX_CLIENTS]

event Disputed:
    round_id: indexed(uint256)
    disputer: indexed(address)
    index: uint256
    claimed_value: int256
    recomputed_value: int256
    malformed: bool  # a counted value was beyond +-2**47

event Claimed:
    round_id: indexed(uint256)
    who: indexed(address)
    amount: uint256

struct RoundInfo:
    status: uint256  # 0 none, 1 open, 2 finalized, 3 disputed
    commit_end: uint256
    reveal_end: uint256
    challenge_end: uint256
    committed: uint256
    revealed: uint256
    rule: uint256
    rule_param: uint256
    dims: uint256
    model_hash: bytes32
    aggregate_root: bytes32
    rewards_root: bytes32
    reward_total: uint256
    reward_claimed: uint256
    coordinator: address
    holds_bond: bool

struct Participant:
    stake: uint256
    weight: uint256
    last_round: uint256
    registered: bool
    revealed: bool
    listed: bool
    exiting: bool
    exit_at: uint256

token: public(immutable(address))
min_stake: public(immutable(uint256))
registration_burn: public(immutable(uint256))
coordinator_bond: public(immutable(uint256))
commit_seconds: public(immutable(uint256))
reveal_seconds: public(immutable(uint256))
challenge_seconds: public(immutable(uint256))
exit_delay: public(immutable(uint256))

owner: public(address)
coordinator: public(address)
current_round: public(uint256)  # the last round opened (0: none yet)
reward_pool: public(uint256)  # tokens for rewards not yet allotted to a round
burned: public(uint256)  # registration burns: held here, never withdrawable
slashed_total: public(uint256)
bond_of: public(HashMap[address, uint256])  # posted bonds not locked in a round

participants: HashMap[address, uint256]
exit_at: HashMap[address, uint256]
rounds: HashMap[uint256, uint256]
entries: HashMap[uint256, HashMap[address, bytes32]]  # a committer's commitment; its update's root once revealed
revealers: HashMap[uint256, HashMap[uint256, uint256]]  # reveal order -> address | weight << 160
model_hashes: HashMap[uint256, bytes32]
rule_params: HashMap[uint256, uint256]
round_coordinators: HashMap[uint256, address]
aggregate_roots: HashMap[uint256, bytes32]
rewards_roots: HashMap[uint256, bytes32]
rewards: HashMap[uint256, uint256]  # reward_total | claimed << 128
claimed: public(HashMap[uint256, HashMap[address, bool]])


@deploy
def __init__(
    _token: address, _min_stake: uint256, _registration_burn: uint256, _coordinator: address,
    _coordinator_bond: uint256, _commit_seconds: uint256, _reveal_seconds: uint256, _challenge_seconds: uint256,
    _exit_delay: uint256,
):
    """
    @param _token The ERC20 of stakes, burns, bonds and rewards.
    @param _min_stake The least stake that may commit (and register).
    @param _registration_burn Paid on registration on top of the stake, never returned.
    @param _coordinator The account that opens and finalizes rounds.
    @param _coordinator_bond What each round locks from the coordinator's posted bond; a disputer wins it.
    @param _commit_seconds Length of a round's commit phase.
    @param _reveal_seconds Length of the reveal phase that follows.
    @param _challenge_seconds The challenge window after finalization (also the time allowed to finalize).
    @param _exit_delay Seconds between an exit request and the withdrawal of the stake.
    """
    assert _token.is_contract, "NotAContract"
    assert _min_stake > 0 and _min_stake <= MASK96 and _coordinator_bond > 0, "BadParams"
    assert _commit_seconds > 0 and _reveal_seconds > 0 and _challenge_seconds > 0, "BadParams"
    assert _commit_seconds + _reveal_seconds + _challenge_seconds <= MASK32 and _exit_delay <= MASK32, "BadParams"
    token = _token
    min_stake = _min_stake
    registration_burn = _registration_burn
    coordinator_bond = _coordinator_bond
    commit_seconds = _commit_seconds
    reveal_seconds = _reveal_seconds
    challenge_seconds = _challenge_seconds
    exit_delay = _exit_delay
    self.owner = msg.sender
    self.coordinator = _coordinator
    log CoordinatorSet(coordinator=_coordinator)


# ---------- tokens in and out ----------

@internal
def _pull(sender: address, amount: uint256):
    """Takes `amount` tokens from `sender` (its allowance to this contract)."""
    assert extcall IERC20(token).transferFrom(sender, self, amount, default_return_value=True), "TransferFailed"


@internal
def _pay(receiver: address, amount: uint256):
    """Sends `amount` tokens to `receiver`."""
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "TransferFailed"


@external
def fund(amount: uint256):
    """
    @notice Adds `amount` tokens (pulled from the caller) to the reward pool.
    """
    assert amount > 0, "ZeroAmount"
    self._pull(msg.sender, amount)
    self.reward_pool += amount
    log Funded(sender=msg.sender, amount=amount)


# ---------- participants ----------

@external
def register(stake: uint256):
    """
    @notice Registers the caller with `stake`, pulling stake + registration_burn; the burn stays here for good.
    """
    assert self.participants[msg.sender] & REGISTERED == 0, "AlreadyRegistered"
    assert stake >= min_stake, "StakeTooLow"
    assert stake <= MASK96, "StakeTooLarge"
    self._pull(msg.sender, stake + registration_burn)
    self.burned += registration_burn
    self.participants[msg.sender] = stake | REGISTERED
    log Registered(who=msg.sender, stake=stake, burned=registration_burn)


@external
def add_stake(amount: uint256):
    """
    @notice Adds `amount` to the caller's stake; a round already committed keeps the weight it snapshotted.
    """
    p: uint256 = self._settle(msg.sender)
    assert p & REGISTERED != 0, "NotRegistered"
    assert p & EXITING == 0, "Exiting"
    assert amount > 0, "ZeroAmount"
    stake: uint256 = (p & MASK96) + amount
    assert stake <= MASK96, "StakeTooLarge"
    self._pull(msg.sender, amount)
    self.participants[msg.sender] = p - (p & MASK96) + stake
    log StakeAdded(who=msg.sender, amount=amount, stake=stake)


@external
def request_exit():
    """
    @notice Starts the caller's exit: no more commits; the stake can be withdrawn after exit_delay, once the
            last round it committed to is settled.
    """
    p: uint256 = self._settle(msg.sender)
    assert p & REGISTERED != 0, "NotRegistered"
    assert p & EXITING == 0, "Exiting"
    self.participants[msg.sender] = p | EXITING
    self.exit_at[msg.sender] = block.timestamp + exit_delay
    log ExitRequested(who=msg.sender, exit_at=block.timestamp + exit_delay)


@external
def withdraw():
    """
    @notice Pays out the caller's stake (less any slash due) and unregisters it.
    """
    p: uint256 = self._settle(msg.sender)
    assert p & EXITING != 0, "NotExiting"
    assert block.timestamp >= self.exit_at[msg.sender], "ExitDelay"
    last: uint256 = (p >> ROUND_SHIFT) & MASK48
    assert last == 0 or self._settled(self.rounds[last]), "StakeLocked"
    amount: uint256 = p & MASK96
    self.participants[msg.sender] = 0
    self.exit_at[msg.sender] = 0
    if amount > 0:
        self._pay(msg.sender, amount)
    log Withdrawn(who=msg.sender, amount=amount)


@external
def settle(who: address):
    """
    @notice Applies any slash due on `who` (a commit never revealed, a listing in a final round); anyone may.
    """
    self._settle(who)


@internal
def _settle(who: address) -> uint256:
    """Applies the slash due on `who`, if any; returns its word."""
    p: uint256 = self.participants[who]
    last: uint256 = (p >> ROUND_SHIFT) & MASK48
    if last == 0 or (p & REVEALED != 0 and p & FLAGGED == 0):
        return p
    info: uint256 = self.rounds[last]
    listed: bool = p & REVEALED != 0
    if not listed:
        if block.timestamp <= (info >> REVEAL_END_SHIFT) & MASK40:
            return p
    else:
        status: uint256 = (info >> STATUS_SHIFT) & MASK8
        if status == DISPUTED:
            p = p & ~FLAGGED
            self.participants[who] = p
            return p
        if status != FINALIZED or block.timestamp <= (info >> CHALLENGE_END_SHIFT) & MASK40:
            return p
    amount: uint256 = p & MASK96
    p = p & ~(MASK96 | (MASK48 << ROUND_SHIFT) | FLAGGED)
    self.participants[who] = p
    self.reward_pool += amount
    self.slashed_total += amount
    log Slashed(who=who, round_id=last, amount=amount, listed=listed)
    return p


# ---------- the coordinator's bond ----------

@external
def post_bond(amount: uint256):
    """
    @notice Adds `amount` (pulled from the caller) to the caller's bond; each round locks coordinator_bond.
    """
    assert amount > 0, "ZeroAmount"
    self._pull(msg.sender, amount)
    self.bond_of[msg.sender] += amount
    log BondPosted(who=msg.sender, amount=amount)


@external
def withdraw_bond(amount: uint256):
    """
    @notice Pays back `amount` of the caller's bond not locked in a round.
    """
    assert amount > 0, "ZeroAmount"
    assert self.bond_of[msg.sender] >= amount, "BondTooLow"
    self.bond_of[msg.sender] -= amount
    self._pay(msg.sender, amount)
    log BondWithdrawn(who=msg.sender, amount=amount)


@external
def release_bond(round_id: uint256):
    """
    @notice Unlocks a round's bond: back to its coordinator once the round is final, to the reward pool if it
            lapsed. Anyone may call.
    """
    info: uint256 = self.rounds[round_id]
    assert info & HOLDS_BOND != 0, "NoBond"
    status: uint256 = (info >> STATUS_SHIFT) & MASK8
    who: address = self.round_coordinators[round_id]
    forfeited: bool = status == OPEN and self._lapsed(info)
    if forfeited:
        self.reward_pool += coordinator_bond
    else:
        assert self._final(info), "BondLocked"
        self.bond_of[who] += coordinator_bond
    self.rounds[round_id] = info & ~HOLDS_BOND
    log BondReleased(round_id=round_id, coordinator=who, amount=coordinator_bond, forfeited=forfeited)


@external
def set_coordinator(new_coordinator: address):
    """
    @notice The owner hands the coordinator's role on, between rounds.
    """
    assert msg.sender == self.owner, "Unauthorized"
    last: uint256 = self.current_round
    assert last == 0 or self._settled(self.rounds[last]), "RoundInProgress"
    self.coordinator = new_coordinator
    log CoordinatorSet(coordinator=new_coordinator)


# ---------- rounds ----------

@external
def open_round(model_hash: bytes32, rule: uint8, rule_param: uint256, dims: uint256) -> uint256:
    """
    @notice Opens the next round on the policy `model_hash`, aggregated by `rule` (0 mean, 1 median, 2 trimmed
            with rule_param bps trimmed on each side, others audited off chain) over updates of `dims` values;
            locks coordinator_bond of the coordinator's bond. Returns the round's id.
    """
    assert msg.sender == self.coordinator, "NotCoordinator"
    last: uint256 = self.current_round
    if last != 0:
        info: uint256 = self.rounds[last]
        assert (info >> STATUS_SHIFT) & MASK8 != OPEN or self._lapsed(info), "RoundInProgress"
    assert dims > 0 and dims <= 1 << MAX_DEPTH, "BadDims"
    assert convert(rule, uint256) != RULE_TRIMMED or rule_param < BPS // 2, "BadRuleParam"
    assert self.bond_of[msg.sender] >= coordinator_bond, "BondTooLow"
    self.bond_of[msg.sender] -= coordinator_bond
    round_id: uint256 = last + 1
    commit_end: uint256 = block.timestamp + commit_seconds
    reveal_end: uint256 = commit_end + reveal_seconds
    self.rounds[round_id] = (
        commit_end | reveal_end << REVEAL_END_SHIFT | OPEN << STATUS_SHIFT | convert(rule, uint256) << RULE_SHIFT
        | dims << DIMS_SHIFT | HOLDS_BOND
    )
    self.model_hashes[round_id] = model_hash
    self.rule_params[round_id] = rule_param
    self.round_coordinators[round_id] = msg.sender
    self.current_round = round_id
    log RoundOpened(
        round_id=round_id, model_hash=model_hash, rule=rule, rule_param=rule_param, dims=dims,
        commit_end=commit_end, reveal_end=reveal_end,
    )
    return round_id


@external
def commit(round_id: uint256, commitment: bytes32):
    """
    @notice Commits the caller to an update: commitment = keccak256(abi.encode(update_root, salt, caller)).
            Snapshots the caller's stake as its weight in this round.
    """
    info: uint256 = self.rounds[round_id]
    assert (info >> STATUS_SHIFT) & MASK8 == OPEN and block.timestamp <= info & MASK40, "CommitClosed"
    p: uint256 = self._settle(msg.sender)
    assert p & REGISTERED != 0, "NotRegistered"
    assert p & EXITING == 0, "Exiting"
    assert (p >> ROUND_SHIFT) & MASK48 != round_id, "AlreadyCommitted"
    assert p & FLAGGED == 0, "SlashPending"
    stake: uint256 = p & MASK96
    assert stake >= min_stake, "StakeTooLow"
    assert (info >> COMMITTED_SHIFT) & MASK8 < MAX_CLIENTS, "RoundFull"
    assert commitment != empty(bytes32), "EmptyCommitment"
    self.participants[msg.sender] = (
        stake | stake << WEIGHT_SHIFT | round_id << ROUND_SHIFT | (p & (REGISTERED | EXITING))
    )
    self.entries[round_id][msg.sender] = commitment
    self.rounds[round_id] = info + (1 << COMMITTED_SHIFT)
    log Committed(round_id=round_id, who=msg.sender, commitment=commitment, weight=stake)


@external
def reveal(round_id: uint256, update_root: bytes32, salt: bytes32):
    """
    @notice Reveals the root of the caller's committed update, in the reveal phase.
    """
    info: uint256 = self.rounds[round_id]
    assert (info >> STATUS_SHIFT) & MASK8 == OPEN, "NotOpen"
    assert block.timestamp > info & MASK40, "RevealNotOpen"
    assert block.timestamp <= (info >> REVEAL_END_SHIFT) & MASK40, "RevealClosed"
    p: uint256 = self.participants[msg.sender]
    assert (p >> ROUND_SHIFT) & MASK48 == round_id, "NotCommitted"
    assert p & REVEALED == 0, "AlreadyRevealed"
    opened: bytes32 = keccak256(abi_encode(update_root, salt, msg.sender))
    assert opened == self.entries[round_id][msg.sender], "CommitmentMismatch"
    index: uint256 = (info >> REVEALED_SHIFT) & MASK8
    self.revealers[round_id][index] = convert(msg.sender, uint256) | ((p >> WEIGHT_SHIFT) & MASK96) << 160
    self.entries[round_id][msg.sender] = update_root
    self.rounds[round_id] = info + (1 << REVEALED_SHIFT)
    self.participants[msg.sender] = p | REVEALED
    log Revealed(round_id=round_id, who=msg.sender, update_root=update_root, index=index)


@external
def finalize(
    round_id: uint256, aggregate_root: bytes32, rewards_root: bytes32, reward_total: uint256,
    slashed: DynArray[address, MAX_CLIENTS],
):
    """
    @notice The coordinator posts the round's aggregate root and rewards root, allots reward_total from the
            reward pool, and lists the revealers it found attacking (slashed once the round is final; not
            counted in the aggregate). Opens the challenge window.
    """
    assert msg.sender == self.coordinator, "NotCoordinator"
    info: uint256 = self.rounds[round_id]
    status: uint256 = (info >> STATUS_SHIFT) & MASK8
    assert status != 0, "NoSuchRound"
    assert status == OPEN, "AlreadyFinalized"
    assert block.timestamp > (info >> REVEAL_END_SHIFT) & MASK40, "RevealNotOver"
    assert not self._lapsed(info), "RoundLapsed"
    assert reward_total <= self.reward_pool and reward_total < 2**128, "RewardsBeyondPool"
    for who: address in slashed:
        p: uint256 = self.participants[who]
        assert (p >> ROUND_SHIFT) & MASK48 == round_id and p & REVEALED != 0, "NotARevealer"
        assert p & FLAGGED == 0, "DuplicateSlash"
        self.participants[who] = p | FLAGGED
    challenge_end: uint256 = block.timestamp + challenge_seconds
    self.rounds[round_id] = (
        (info & ~(MASK8 << STATUS_SHIFT)) | FINALIZED << STATUS_SHIFT | challenge_end << CHALLENGE_END_SHIFT
    )
    self.aggregate_roots[round_id] = aggregate_root
    self.rewards_roots[round_id] = rewards_root
    self.rewards[round_id] = reward_total
    self.reward_pool -= reward_total
    log Finalized(
        round_id=round_id, aggregate_root=aggregate_root, rewards_root=rewards_root, reward_total=reward_total,
        challenge_end=challenge_end, listed=slashed,
    )


@external
def dispute(
    round_id: uint256, index: uint256, values: DynArray[int256, MAX_CLIENTS],
    proofs: DynArray[DynArray[bytes32, MAX_DEPTH], MAX_CLIENTS], aggregate_value: int256,
    aggregate_proof: DynArray[bytes32, MAX_DEPTH],
):
    """
    @notice Disputes coordinate `index` of a finalized round's aggregate, in the challenge window: `values`
            holds that coordinate of every revealed update in reveal order (listed clients' entries are
            ignored), each proven against its client's root, and `aggregate_value` is proven against the
            aggregate root. If the round's rule gives another value, the round is Disputed for good and the
            caller wins the coordinator's bond; otherwise the call reverts with AggregateCorrect.
    """
    info: uint256 = self.rounds[round_id]
    status: uint256 = (info >> STATUS_SHIFT) & MASK8
    assert status != DISPUTED, "AlreadyDisputed"
    assert status == FINALIZED, "NotFinalized"
    assert block.timestamp <= (info >> CHALLENGE_END_SHIFT) & MASK40, "ChallengeClosed"
    rule: uint256 = (info >> RULE_SHIFT) & MASK8
    assert rule <= RULE_TRIMMED, "RuleNotCheckable"
    dims: uint256 = (info >> DIMS_SHIFT) & MASK32
    assert index < dims, "BadIndex"
    n: uint256 = (info >> REVEALED_SHIFT) & MASK8
    assert len(values) == n and len(proofs) == n, "WrongValueCount"
    depth: uint256 = self._depth(dims)
    xs: DynArray[int256, MAX_CLIENTS] = []
    ws: DynArray[int256, MAX_CLIENTS] = []
    malformed: bool = False
    for k: uint256 in range(MAX_CLIENTS):
        if k >= n:
            break
        entry: uint256 = self.revealers[round_id][k]
        who: address = convert(convert(entry & (2**160 - 1), uint160), address)
        p: uint256 = self.participants[who]
        if (p >> ROUND_SHIFT) & MASK48 == round_id and p & FLAGGED != 0:
            continue
        assert self._proven(proofs[k], self.entries[round_id][who], index, values[k], depth), "BadProof"
        malformed = malformed or values[k] > MAX_ABS or values[k] < -MAX_ABS
        xs.append(values[k])
        ws.append(convert(entry >> 160, int256))
    assert self._proven(aggregate_proof, self.aggregate_roots[round_id], index, aggregate_value, depth), "BadProof"
    assert len(xs) > 0, "NothingToRecompute"
    recomputed: int256 = 0
    if not malformed:
        recomputed = self._aggregate(rule, self.rule_params[round_id], xs, ws)
        assert recomputed != aggregate_value, "AggregateCorrect"
    self.rounds[round_id] = (info & ~((MASK8 << STATUS_SHIFT) | HOLDS_BOND)) | DISPUTED << STATUS_SHIFT
    self.reward_pool += self.rewards[round_id]
    if info & HOLDS_BOND != 0:
        self._pay(msg.sender, coordinator_bond)
    log Disputed(
        round_id=round_id, disputer=msg.sender, index=index, claimed_value=aggregate_value,
        recomputed_value=recomputed, malformed=malformed,
    )


@external
def claim(round_id: uint256, amount: uint256, proof: DynArray[bytes32, MAX_REWARD_DEPTH]):
    """
    @notice Pays the caller its reward of a final round, proven against the round's rewards root.
    """
    info: uint256 = self.rounds[round_id]
    status: uint256 = (info >> STATUS_SHIFT) & MASK8
    assert status != DISPUTED, "RoundDisputed"
    assert status == FINALIZED, "NotFinalized"
    assert block.timestamp > (info >> CHALLENGE_END_SHIFT) & MASK40, "ChallengeOpen"
    assert not self.claimed[round_id][msg.sender], "AlreadyClaimed"
    leaf: bytes32 = keccak256(keccak256(abi_encode(round_id, msg.sender, amount)))
    assert self._root_of(proof, leaf) == self.rewards_roots[round_id], "BadProof"
    allotted: uint256 = self.rewards[round_id]
    paid: uint256 = (allotted >> 128) + amount
    assert paid <= allotted & (2**128 - 1), "RewardsExhausted"
    self.claimed[round_id][msg.sender] = True
    self.rewards[round_id] = (allotted & (2**128 - 1)) | paid << 128
    self._pay(msg.sender, amount)
    log Claimed(round_id=round_id, who=msg.sender, amount=amount)


# ---------- views ----------

@view
@external
def is_final(round_id: uint256) -> bool:
    """
    @notice Whether the round is finalized, undisputed and past its challenge window: only then may its policy
            be registered.
    """
    return self._final(self.rounds[round_id])


@view
@external
def round_info(round_id: uint256) -> RoundInfo:
    """
    @notice Everything recorded of a round.
    """
    info: uint256 = self.rounds[round_id]
    allotted: uint256 = self.rewards[round_id]
    return RoundInfo(
        status=(info >> STATUS_SHIFT) & MASK8, commit_end=info & MASK40,
        reveal_end=(info >> REVEAL_END_SHIFT) & MASK40, challenge_end=(info >> CHALLENGE_END_SHIFT) & MASK40,
        committed=(info >> COMMITTED_SHIFT) & MASK8, revealed=(info >> REVEALED_SHIFT) & MASK8,
        rule=(info >> RULE_SHIFT) & MASK8, rule_param=self.rule_params[round_id], dims=(info >> DIMS_SHIFT) & MASK32,
        model_hash=self.model_hashes[round_id], aggregate_root=self.aggregate_roots[round_id],
        rewards_root=self.rewards_roots[round_id], reward_total=allotted & (2**128 - 1),
        reward_claimed=allotted >> 128, coordinator=self.round_coordinators[round_id],
        holds_bond=info & HOLDS_BOND != 0,
    )


@view
@external
def participant(who: address) -> Participant:
    """
    @notice A participant's record as stored (a slash due but not yet applied still shows its stake).
    """
    p: uint256 = self.participants[who]
    return Participant(
        stake=p & MASK96, weight=(p >> WEIGHT_SHIFT) & MASK96, last_round=(p >> ROUND_SHIFT) & MASK48,
        registered=p & REGISTERED != 0, revealed=p & REVEALED != 0, listed=p & FLAGGED != 0,
        exiting=p & EXITING != 0, exit_at=self.exit_at[who],
    )


@view
@external
def revealer(round_id: uint256, index: uint256) -> (address, uint256, bytes32):
    """
    @notice The `index`-th revealer of a round: its address, weight and update root.
    """
    entry: uint256 = self.revealers[round_id][index]
    who: address = convert(convert(entry & (2**160 - 1), uint160), address)
    return who, entry >> 160, self.entries[round_id][who]


@view
@external
def commitment_of(round_id: uint256, who: address) -> bytes32:
    """
    @notice A committer's commitment, or its update's root once revealed.
    """
    return self.entries[round_id][who]


@pure
@external
def aggregate(rule: uint8, rule_param: uint256, xs: DynArray[int256, MAX_CLIENTS],
              ws: DynArray[int256, MAX_CLIENTS]) -> int256:
    """
    @notice One coordinate of the aggregate of values `xs` weighted by `ws` under `rule`, as disputes compute
            it (for audits and tests).
    """
    assert convert(rule, uint256) <= RULE_TRIMMED, "RuleNotCheckable"
    assert convert(rule, uint256) != RULE_TRIMMED or rule_param < BPS // 2, "BadRuleParam"
    assert len(xs) == len(ws) and len(xs) > 0, "WrongValueCount"
    for w: int256 in ws:
        assert w > 0, "BadWeight"
    return self._aggregate(convert(rule, uint256), rule_param, xs, ws)


# ---------- internals ----------

@view
@internal
def _lapsed(info: uint256) -> bool:
    """Whether the time to finalize a round (challenge_seconds after its reveal deadline) is over."""
    return block.timestamp > ((info >> REVEAL_END_SHIFT) & MASK40) + challenge_seconds


@view
@internal
def _final(info: uint256) -> bool:
    """Finalized, undisputed, its challenge window over."""
    return (info >> STATUS_SHIFT) & MASK8 == FINALIZED and block.timestamp > (info >> CHALLENGE_END_SHIFT) & MASK40


@view
@internal
def _settled(info: uint256) -> bool:
    """Final, disputed or lapsed: nothing about the round can change any more."""
    status: uint256 = (info >> STATUS_SHIFT) & MASK8
    return status == DISPUTED or self._final(info) or (status == OPEN and self._lapsed(info))


@pure
@internal
def _depth(width: uint256) -> uint256:
    """Levels above the leaves of a tree of `width` leaves padded to a power of two: ceil(log2(width))."""
    d: uint256 = 0
    for _: uint256 in range(MAX_DEPTH):
        if 1 << d >= width:
            break
        d += 1
    return d


@pure
@internal
def _root_of(proof: DynArray[bytes32, MAX_REWARD_DEPTH], leaf: bytes32) -> bytes32:
    """The root `proof` leads to from `leaf`, hashing sorted pairs."""
    node: bytes32 = leaf
    for sibling: bytes32 in proof:
        if convert(node, uint256) <= convert(sibling, uint256):
            node = keccak256(concat(node, sibling))
        else:
            node = keccak256(concat(sibling, node))
    return node


@pure
@internal
def _proven(proof: DynArray[bytes32, MAX_DEPTH], root: bytes32, index: uint256, x: int256,
            depth: uint256) -> bool:
    """Whether `proof` (of the tree's depth) shows coordinate `index` of the vector under `root` is `x`."""
    if len(proof) != depth:
        return False
    node: bytes32 = keccak256(abi_encode(index, x))
    for sibling: bytes32 in proof:
        if convert(node, uint256) <= convert(sibling, uint256):
            node = keccak256(concat(node, sibling))
        else:
            node = keccak256(concat(sibling, node))
    return node == root


@pure
@internal
def _aggregate(rule: uint256, rule_param: uint256, xs: DynArray[int256, MAX_CLIENTS],
               ws: DynArray[int256, MAX_CLIENTS]) -> int256:
    """The rule's value over weighted values; weights positive, |x| <= 2**47 (no overflow)."""
    n: uint256 = len(xs)
    total: int256 = 0
    for w: int256 in ws:
        total += w
    if rule == RULE_MEAN:
        acc: int256 = 0
        for k: uint256 in range(MAX_CLIENTS):
            if k >= n:
                break
            acc += ws[k] * xs[k]
        return acc // total
    # sort by value, ties in reveal order (insertion sort is stable)
    x: DynArray[int256, MAX_CLIENTS] = xs
    w: DynArray[int256, MAX_CLIENTS] = ws
    for i: uint256 in range(1, MAX_CLIENTS):
        if i >= n:
            break
        xi: int256 = x[i]
        wi: int256 = w[i]
        j: uint256 = i
        for _: uint256 in range(MAX_CLIENTS):
            if j == 0 or x[j - 1] <= xi:
                break
            x[j] = x[j - 1]
            w[j] = w[j - 1]
            j -= 1
        x[j] = xi
        w[j] = wi
    if rule == RULE_MEDIAN:
        c: int256 = 0
        for k: uint256 in range(MAX_CLIENTS):
            if k >= n:
                break
            c += w[k]
            if 2 * c >= total:
                if 2 * c == total and k + 1 < n:
                    return (x[k] + x[k + 1]) // 2
                return x[k]
    trim: int256 = total * convert(rule_param, int256) // convert(BPS, int256)
    kept_total: int256 = total - 2 * trim
    acc2: int256 = 0
    below: int256 = 0
    for k: uint256 in range(MAX_CLIENTS):
        if k >= n:
            break
        above: int256 = below + w[k]
        kept: int256 = min(above, total - trim) - max(below, trim)
        if kept > 0:
            acc2 += kept * x[k]
        below = above
    return acc2 // kept_total
