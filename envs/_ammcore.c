/*
 * lamm AMM core: the exact-integer constant-product pool, its on-chain feature accumulators and per-swap fee
 * rule, and the replay loop that drives it with arbitrage and routed order flow.
 *
 * The integer formulas here are the ones contracts/DynamicFeePool.vy implements (int256 there, 128-bit here
 * with reserves bounded by 2**112 as in Uniswap V2 and every accumulator saturated to the width the contract
 * packs it in). Decisions that are not the pool's (how much an arbitrageur trades, how much flow a pool wins)
 * are made in floating point, then executed through the exact swap. Loaded with ctypes by envs/amm.py:
 * 128-bit values cross as (lo, hi) words.
 *
 * Why this module is long: the pool, its fee rule, the arbitrageur and the two flow models share one state
 * and one inner loop; splitting them across files would put a function call at every swap of the replay.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

#define WAD ((i128)1000000000000000000LL)
#define FEE_DENOM 1000000LL /* fees are in pips: 1e-6 */
#define SECONDS_PER_YEAR 31536000LL
#define SECONDS_PER_DAY 86400LL
#define MAX_IDLE 604800LL /* idle time saturates at one week */
#define RESERVE_LIMIT ((u128)1 << 112)
#define SKEW_UNIT 1000000LL          /* the skew integrator counts log price in 1e-12: WAD / 1e6 */
#define SKEW_LIMIT ((i128)4000000000000LL) /* |skew| <= 4 (log units), in SKEW_UNIT */
#define LIM55 (((i128)1 << 55) - 1)  /* the contract packs these accumulators in 56 bits */
#define LIM87 (((i128)1 << 87) - 1)  /* ... and the log price and its TWAP in 88 bits */

enum { OK = 0, ERR_ZERO_IN = 1, ERR_ZERO_OUT = 2, ERR_OVERFLOW = 3, ERR_FEE = 4 };

/* The fee rule's parameters (envs/fee_rule.py documents them; the contract packs them in one slot). */
enum {
    R_BASE,            /* pips */
    R_SKEW_GAIN,       /* fee per unit of log move, in 1/1000: skew = gain * move / 1000 */
    R_SKEW_CAP,        /* pips */
    R_SKEW_TAU,        /* seconds: the skew integrator's leak */
    R_VOL_GAIN,        /* pips per unit of annualised variance above the threshold */
    R_VOL_THRESHOLD,   /* annualised variance, 1e-6 units */
    R_VOL_JUMP,        /* pips added above the threshold */
    R_TWAP_GAIN,       /* pips per unit of (log price - TWAP)^2 */
    R_SURGE_FEE,       /* pips */
    R_SURGE_THRESHOLD, /* log move of one swap that starts a surge, 1e-6 units */
    R_SURGE_TAU,       /* seconds: the surge's decay */
    NRULE
};

typedef struct {
    u128 r0, r1;                       /* reserves, raw token units */
    i128 var_fast, var_slow;           /* EWMA variance rate of log price, WAD per second */
    i128 flow, volume;                 /* EWMA signed / absolute token1 flow, WAD fraction of reserve per second */
    i128 logp, logp_twap;              /* cumulative log-price proxy and its time-weighted EWMA, WAD */
    i128 skew;                         /* the rule's leaky, bounded integral of log-price moves, SKEW_UNIT */
    int64_t surge_ts;                  /* time of the last surge (0: none) */
    int64_t last_ts;                   /* timestamp of the last swap */
    int64_t epoch;                     /* number of swaps so far, modulo 2**32 */
    int64_t tau_fast, tau_slow, tau_flow, tau_twap; /* EWMA time constants, seconds */
    int64_t fee_min, fee_max, fee_max_step;         /* bounds of every fee, and max change of the base per update */
    int64_t rule[NRULE];                            /* the fee rule's parameters */
} Pool;

/* ---------- exact arithmetic ---------- */

/* The 256-bit product a * b as (hi, lo) words. */
static void mul256(u128 a, u128 b, u128 *hi, u128 *lo) {
    const u128 m64 = ((u128)1 << 64) - 1;
    u128 a0 = a & m64, a1 = a >> 64, b0 = b & m64, b1 = b >> 64;
    u128 ll = a0 * b0, lh = a0 * b1, hl = a1 * b0, hh = a1 * b1;
    u128 mid = (ll >> 64) + (lh & m64) + (hl & m64);
    *lo = (ll & m64) | (mid << 64);
    *hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
}

/* floor((hi, lo) / c) by long division, bit by bit. */
static u128 div256(u128 hi, u128 lo, u128 c) {
    u128 q = 0, r = hi % c;
    for (int i = 127; i >= 0; i--) {
        u128 top = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        if (top || r >= c) {
            r -= c;
            q |= (u128)1 << i;
        }
    }
    return q;
}

/* floor(a * b / c), exact; the caller guarantees c > 0 and a result below 2**128. Past 128 bits the quotient
 * is estimated in extended precision and corrected exactly by the remainder a * b - q * c; when the estimate
 * is too far off for that (products near 2**224), by long division. */
static u128 muldiv(u128 a, u128 b, u128 c) {
    u128 p, hi, lo, qh, ql;
    if (!__builtin_mul_overflow(a, b, &p)) return p / c;
    mul256(a, b, &hi, &lo);
    long double est = (long double)a / (long double)c * (long double)b;
    if (!(est < 0x1p127L)) return div256(hi, lo, c);
    u128 q = (u128)est;
    mul256(q, c, &qh, &ql);
    u128 rl = lo - ql, rh = hi - qh - (lo < ql);
    if (rh == 0) return q + rl / c; /* a * b = q c + r, 0 <= r < 2**128 */
    if (rh == ~(u128)0 && rl != 0) {  /* a * b = q c - n, 0 < n < 2**128 */
        u128 n = ~rl + 1;
        return q - (n / c + (n % c != 0));
    }
    return div256(hi, lo, c);
}

/* floor(sqrt(n)), exact. */
static u128 isqrt(u128 n) {
    if (n == 0) return 0;
    u128 x = (u128)sqrtl((long double)n);
    while (x > 0 && (x > n / x || x * x > n)) x--;
    while ((x + 1) <= n / (x + 1)) x++;
    return x;
}

static i128 clamp128(i128 x, i128 lo, i128 hi) { return x < lo ? lo : (x > hi ? hi : x); }
static i128 abs128(i128 x) { return x < 0 ? -x : x; }
static i128 ewma(i128 acc, int64_t tau, i128 x, int64_t dt) { return (acc * tau + x) / (tau + dt); }
/* acc decayed over dt seconds with time constant tau: unchanged within a second, gone after one when tau = 0. */
static i128 leak(i128 acc, int64_t tau, int64_t dt) { return dt == 0 ? acc : acc * tau / (tau + dt); }

/* ---------- the pool ---------- */

Pool *pool_new(void) { return (Pool *)calloc(1, sizeof(Pool)); }
void pool_free(Pool *p) { free(p); }

/* Reads and writes the pool's fields as an int64 vector (the 128-bit ones as lo, hi pairs). */
enum { NBIG = 9, NSMALL = 10 + NRULE, NFIELD_WORDS = 2 * NBIG + NSMALL };
void pool_export(const Pool *p, uint64_t *w) {
    const u128 *big[NBIG] = {&p->r0, &p->r1, (const u128 *)&p->var_fast, (const u128 *)&p->var_slow,
                             (const u128 *)&p->flow, (const u128 *)&p->volume, (const u128 *)&p->logp,
                             (const u128 *)&p->logp_twap, (const u128 *)&p->skew};
    for (int i = 0; i < NBIG; i++) {
        w[2 * i] = (uint64_t)*big[i];
        w[2 * i + 1] = (uint64_t)(*big[i] >> 64);
    }
    int64_t small[NSMALL] = {p->surge_ts, p->last_ts, p->epoch, p->tau_fast, p->tau_slow,
                             p->tau_flow, p->tau_twap, p->fee_min,  p->fee_max, p->fee_max_step};
    memcpy(small + 10, p->rule, sizeof(p->rule));
    memcpy(w + 2 * NBIG, small, sizeof(small));
}
void pool_import(Pool *p, const uint64_t *w) {
    u128 *big[NBIG] = {&p->r0, &p->r1, (u128 *)&p->var_fast, (u128 *)&p->var_slow, (u128 *)&p->flow,
                       (u128 *)&p->volume, (u128 *)&p->logp, (u128 *)&p->logp_twap, (u128 *)&p->skew};
    for (int i = 0; i < NBIG; i++) *big[i] = (u128)w[2 * i] | ((u128)w[2 * i + 1] << 64);
    int64_t s[NSMALL];
    memcpy(s, w + 2 * NBIG, sizeof(s));
    p->surge_ts = s[0]; p->last_ts = s[1]; p->epoch = s[2]; p->tau_fast = s[3]; p->tau_slow = s[4];
    p->tau_flow = s[5]; p->tau_twap = s[6]; p->fee_min = s[7]; p->fee_max = s[8]; p->fee_max_step = s[9];
    memcpy(p->rule, s + 10, sizeof(p->rule));
}
int pool_field_words(void) { return NFIELD_WORDS; }
int nrule(void) { return NRULE; }

/* The largest value each rule parameter may take (its width in the contract's packed slot). */
static const int64_t RULE_MAX[NRULE] = {
    (1 << 20) - 1, (1 << 24) - 1, (1 << 20) - 1, (1 << 24) - 1, (1 << 24) - 1, (1 << 24) - 1,
    (1 << 20) - 1, (1LL << 32) - 1, (1 << 20) - 1, (1 << 24) - 1, (1 << 24) - 1,
};
void rule_max(int64_t *out) { memcpy(out, RULE_MAX, sizeof(RULE_MAX)); }

/* The parameters an update to `want` yields, as the controller sets them: each within [0, its width], fees
 * within the pool's fee bounds, and the base at most fee_max_step from the current base. */
void pool_clamp_rule(const Pool *p, const int64_t *want, int64_t *out) {
    for (int i = 0; i < NRULE; i++) out[i] = want[i] < 0 ? 0 : (want[i] > RULE_MAX[i] ? RULE_MAX[i] : want[i]);
    int64_t lo = p->rule[R_BASE] - p->fee_max_step, hi = p->rule[R_BASE] + p->fee_max_step;
    if (lo < p->fee_min) lo = p->fee_min;
    if (hi > p->fee_max) hi = p->fee_max;
    out[R_BASE] = out[R_BASE] < lo ? lo : (out[R_BASE] > hi ? hi : out[R_BASE]);
    const int fees[3] = {R_SKEW_CAP, R_VOL_JUMP, R_SURGE_FEE};
    for (int i = 0; i < 3; i++)
        if (out[fees[i]] > p->fee_max) out[fees[i]] = p->fee_max;
}
void pool_set_rule(Pool *p, const int64_t *want) {
    int64_t out[NRULE];
    pool_clamp_rule(p, want, out);
    memcpy(p->rule, out, sizeof(out));
}

/* The skew integrator's bound: the move at which the skew reaches its cap (at most SKEW_LIMIT). */
static i128 skew_bound(const Pool *p) {
    if (p->rule[R_SKEW_GAIN] == 0) return SKEW_LIMIT;
    i128 b = (i128)p->rule[R_SKEW_CAP] * 1000000000LL / p->rule[R_SKEW_GAIN];
    return b < SKEW_LIMIT ? b : SKEW_LIMIT;
}

/* The fee (pips) of a swap at time `now` that puts token1 in (buys token0) or token0 in: the symmetric part
 * base + volatility terms + TWAP term, or the decaying surge if higher, then the skew added for a buyer of
 * token0 and subtracted for a seller, within the pool's fee bounds. */
int64_t pool_rule_fee(const Pool *p, int token1_in, int64_t now) {
    const int64_t *r = p->rule;
    int64_t dt = now > p->last_ts ? now - p->last_ts : 0;
    i128 fee = r[R_BASE];
    if (r[R_VOL_GAIN] > 0 || r[R_VOL_JUMP] > 0) {
        i128 vf = p->var_fast * p->tau_fast / (p->tau_fast + dt);
        i128 var = vf * SECONDS_PER_YEAR, threshold = (i128)r[R_VOL_THRESHOLD] * 1000000000000LL;
        if (var > 100 * WAD) var = 100 * WAD;
        if (var > threshold) fee += r[R_VOL_JUMP] + (i128)r[R_VOL_GAIN] * (var - threshold) / WAD;
    }
    if (r[R_TWAP_GAIN] > 0) {
        i128 twap = (p->logp_twap * p->tau_twap + p->logp * dt) / (p->tau_twap + dt);
        i128 gap = abs128(p->logp - twap);
        if (gap > WAD) gap = WAD;
        fee += (i128)r[R_TWAP_GAIN] * (gap * gap / WAD) / WAD;
    }
    if (r[R_SURGE_FEE] > 0 && p->surge_ts > 0) {
        int64_t since = now > p->surge_ts ? now - p->surge_ts : 0;
        i128 surge = since == 0 ? r[R_SURGE_FEE] : (i128)r[R_SURGE_FEE] * r[R_SURGE_TAU] / (r[R_SURGE_TAU] + since);
        if (surge > fee) fee = surge;
    }
    if (r[R_SKEW_GAIN] > 0) {
        i128 skew = (i128)r[R_SKEW_GAIN] * leak(p->skew, r[R_SKEW_TAU], dt) / 1000000000LL;
        skew = clamp128(skew, -(i128)r[R_SKEW_CAP], r[R_SKEW_CAP]);
        fee += token1_in ? skew : -skew;
    }
    return (int64_t)clamp128(fee, p->fee_min, p->fee_max);
}

/* Updates the accumulators for a swap that moves token1 reserve by d1 (signed, into the pool). */
static void update_features(Pool *p, i128 d1, int64_t ts) {
    int64_t dt = ts > p->last_ts ? ts - p->last_ts : 0;
    p->logp_twap = (p->logp_twap * p->tau_twap + p->logp * dt) / (p->tau_twap + dt);
    u128 mag = muldiv(d1 < 0 ? (u128)(-d1) : (u128)d1, (u128)WAD, p->r1);
    i128 u = mag > (u128)WAD ? WAD : (i128)mag;
    if (d1 < 0) u = -u;
    i128 ret = 2 * u;                     /* log-price return proxy: d ln(r1/r0) ~ 2 d ln r1 */
    i128 sq = ret * ret / WAD;
    p->var_fast = clamp128(ewma(p->var_fast, p->tau_fast, sq, dt), 0, LIM55);
    p->var_slow = clamp128(ewma(p->var_slow, p->tau_slow, sq, dt), 0, LIM55);
    p->flow = clamp128(ewma(p->flow, p->tau_flow, u, dt), -LIM55 - 1, LIM55);
    p->volume = clamp128(ewma(p->volume, p->tau_flow, abs128(u), dt), 0, LIM55);
    p->logp = clamp128(p->logp + ret, -LIM87 - 1, LIM87);
    i128 bound = skew_bound(p);
    p->skew = clamp128(leak(p->skew, p->rule[R_SKEW_TAU], dt) + ret / SKEW_UNIT, -bound, bound);
    if (p->rule[R_SURGE_THRESHOLD] > 0 && abs128(ret) >= (i128)p->rule[R_SURGE_THRESHOLD] * 1000000000000LL)
        p->surge_ts = ts;
    p->last_ts = ts;
    p->epoch = (p->epoch + 1) & 0xFFFFFFFFLL;
}

/* Amount out for amount_in of token0 (zero_for_one) or token1 at `fee`, and the fee kept; no state change. */
static int quote(const Pool *p, int zero_for_one, u128 amount_in, int64_t fee, u128 *out, u128 *fee_amt) {
    if (amount_in == 0) return ERR_ZERO_IN;
    u128 r_in = zero_for_one ? p->r0 : p->r1, r_out = zero_for_one ? p->r1 : p->r0;
    if (amount_in >= RESERVE_LIMIT || r_in + amount_in >= RESERVE_LIMIT) return ERR_OVERFLOW;
    u128 after = muldiv(amount_in, (u128)(FEE_DENOM - fee), (u128)FEE_DENOM);
    *fee_amt = amount_in - after;
    *out = muldiv(after, r_out, r_in + after);
    return *out == 0 ? ERR_ZERO_OUT : OK;
}

/* Exact-input swap at time ts at the rule's fee for its direction. Returns an error code; on success *out,
 * *fee_amt and *fee_pips are set. */
int pool_swap(Pool *p, int zero_for_one, uint64_t in_lo, uint64_t in_hi, int64_t ts, uint64_t *out_words,
              uint64_t *fee_words, int64_t *fee_pips) {
    u128 amount_in = (u128)in_lo | ((u128)in_hi << 64), out, fee_amt;
    int64_t fee = pool_rule_fee(p, !zero_for_one, ts);
    int err = quote(p, zero_for_one, amount_in, fee, &out, &fee_amt);
    if (err) return err;
    update_features(p, zero_for_one ? -(i128)out : (i128)amount_in, ts);
    if (zero_for_one) { p->r0 += amount_in; p->r1 -= out; }
    else { p->r1 += amount_in; p->r0 -= out; }
    out_words[0] = (uint64_t)out; out_words[1] = (uint64_t)(out >> 64);
    fee_words[0] = (uint64_t)fee_amt; fee_words[1] = (uint64_t)(fee_amt >> 64);
    *fee_pips = fee;
    return OK;
}

/* The accumulators after a swap made elsewhere (a v4 pool behind contracts/DynamicFeeHook.vy) that moved
 * token1's reserve, p->r1 beforehand, by d1 (signed, into the pool) at time ts; the reserves are the caller's. */
void pool_record(Pool *p, uint64_t d1_lo, uint64_t d1_hi, int64_t ts) {
    update_features(p, (i128)(((u128)d1_hi << 64) | (u128)d1_lo), ts);
}

/* The on-chain features at time `now`, WAD fixed point (see envs/features.py for their meaning). */
enum { NFEATURES = 8 };
void pool_features(const Pool *p, int64_t now, int64_t *f_lo, int64_t *f_hi) {
    int64_t dt = now > p->last_ts ? now - p->last_ts : 0;
    i128 vf = p->var_fast * p->tau_fast / (p->tau_fast + dt);
    i128 vs = p->var_slow * p->tau_slow / (p->tau_slow + dt);
    i128 fl = p->flow * p->tau_flow / (p->tau_flow + dt);
    i128 vo = p->volume * p->tau_flow / (p->tau_flow + dt);
    i128 twap = (p->logp_twap * p->tau_twap + p->logp * dt) / (p->tau_twap + dt);
    i128 cap = 100 * WAD; /* 1e20: sigma saturates at 10 (1000% a year) */
    i128 x[NFEATURES];
    x[0] = (i128)p->rule[R_BASE] * (WAD / FEE_DENOM);
    x[1] = (i128)isqrt((u128)((vf * SECONDS_PER_YEAR > cap ? cap : vf * SECONDS_PER_YEAR) * WAD));
    x[2] = (i128)isqrt((u128)((vs * SECONDS_PER_YEAR > cap ? cap : vs * SECONDS_PER_YEAR) * WAD));
    x[3] = fl * SECONDS_PER_DAY;
    x[4] = vo * SECONDS_PER_DAY;
    x[5] = (i128)(dt < MAX_IDLE ? dt : MAX_IDLE) * WAD / 3600;
    x[6] = p->logp - twap;
    x[7] = leak(p->skew, p->rule[R_SKEW_TAU], dt) * SKEW_UNIT;
    for (int i = 0; i < NFEATURES; i++) {
        f_lo[i] = (int64_t)(uint64_t)x[i];
        f_hi[i] = (int64_t)(x[i] >> 64);
    }
}

/* ---------- the replay loop ---------- */

enum { FLOW_LOGIT = 0, FLOW_ROUTE = 1 };

typedef struct {
    double beta;       /* the flow's price sensitivity: logit slope per unit of cost difference */
    double venue_fee;  /* fee of the competing venue (fraction) */
    double gas_token1; /* the arbitrageur's gas cost per trade, token1 raw units */
    int64_t mode;      /* FLOW_LOGIT: uninformed flow only, on fee and depth; FLOW_ROUTE: all flow, all-in price */
} FlowParams;

/* Per-step output columns (envs/amm.py STEP_COLUMNS names them). Fees and markouts are in token1 raw units at
 * the fair price when the trade happened; the three sources add up to the totals. */
enum {
    O_FEES, O_MARKOUT, O_OFFERED, O_KEPT, O_ARB_VOL, O_N_ARBS, O_TVL, O_FEE_PIPS, O_FAIR, O_POOL_PRICE, O_DEBT,
    O_FEES_ARB, O_MARKOUT_ARB, O_FEES_INF, O_MARKOUT_INF, O_FEES_UNINF, O_MARKOUT_UNINF, O_OFFERED_INF,
    O_KEPT_INF, O_FEE_BUY, O_FEE_SELL,
    NOUT
};

/* Exact running token totals, for conservation checks: deltas into the pool by traders, by arbitrageurs,
 * and by recentring across holes in the data. */
typedef struct { i128 trader0, trader1, arb0, arb1, gap0, gap1; } Ledger;

Ledger *ledger_new(void) { return (Ledger *)calloc(1, sizeof(Ledger)); }
void ledger_free(Ledger *lg) { free(lg); }
void ledger_export(const Ledger *lg, int64_t *w) {
    const i128 v[6] = {lg->trader0, lg->trader1, lg->arb0, lg->arb1, lg->gap0, lg->gap1};
    for (int i = 0; i < 6; i++) { w[2 * i] = (int64_t)(uint64_t)v[i]; w[2 * i + 1] = (int64_t)(v[i] >> 64); }
}

static double pool_price(const Pool *p) { return (double)p->r1 / (double)p->r0; }

/* Executes a swap for the replay at `fee` (the rule's, for its direction and moment) and books its fee and
 * markout at price `fair`, to the totals and to the source's columns (fees at col, markout at col + 1). */
static int trade(Pool *p, int zero_for_one, u128 amount_in, int64_t fee, int64_t ts, double fair, double *row,
                 int col, i128 *d0, i128 *d1) {
    u128 out, fee_amt;
    int err = quote(p, zero_for_one, amount_in, fee, &out, &fee_amt);
    if (err) return err;
    update_features(p, zero_for_one ? -(i128)out : (i128)amount_in, ts);
    double in_value, out_value, fee_value;
    if (zero_for_one) {
        p->r0 += amount_in; p->r1 -= out;
        *d0 += (i128)amount_in; *d1 -= (i128)out;
        in_value = (double)amount_in * fair; out_value = (double)out; fee_value = (double)fee_amt * fair;
    } else {
        p->r1 += amount_in; p->r0 -= out;
        *d1 += (i128)amount_in; *d0 -= (i128)out;
        in_value = (double)amount_in; out_value = (double)out * fair; fee_value = (double)fee_amt;
    }
    row[O_FEES] += fee_value;
    row[O_MARKOUT] += in_value - out_value - fee_value;
    row[col] += fee_value;
    row[col + 1] += in_value - out_value - fee_value;
    return OK;
}

/* The arbitrageur's best trade against fair price P: moves the pool price to the edge of the no-trade band
 * (each side at its own fee: fee_buy for token1 in, fee_sell for token0 in), if the profit at P beats its gas.
 * Returns 1 if it traded. */
static int arbitrage(Pool *p, double P, int64_t ts, int64_t fee_buy, int64_t fee_sell, const FlowParams *fp,
                     double *row, Ledger *lg) {
    long double r0 = (long double)p->r0, r1 = (long double)p->r1, k = r0 * r1, price = r1 / r0;
    long double g_buy = 1.0L - (long double)fee_buy / FEE_DENOM, g_sell = 1.0L - (long double)fee_sell / FEE_DENOM;
    int zero_for_one;
    long double x;
    if (price < (long double)P * g_buy) { zero_for_one = 0; x = (sqrtl(g_buy * k * P) - r1) / g_buy; }
    else if (price > (long double)P / g_sell) { zero_for_one = 1; x = (sqrtl(g_sell * k / P) - r0) / g_sell; }
    else return 0;
    if (!(x >= 1.0L) || x >= (long double)RESERVE_LIMIT) return 0;
    int64_t fee = zero_for_one ? fee_sell : fee_buy;
    u128 amount_in = (u128)x, out, fee_amt;
    if (quote(p, zero_for_one, amount_in, fee, &out, &fee_amt)) return 0;
    double profit = zero_for_one ? (double)out - (double)amount_in * P : (double)out * P - (double)amount_in;
    if (profit <= fp->gas_token1) return 0;
    if (trade(p, zero_for_one, amount_in, fee, ts, P, row, O_FEES_ARB, &lg->arb0, &lg->arb1)) return 0;
    row[O_ARB_VOL] += zero_for_one ? (double)amount_in * P : (double)amount_in;
    row[O_N_ARBS] += 1;
    return 1;
}

/* Moves the pool to price P at constant liquidity: used across a gap in the data, where the market moved
 * while nothing was observed (the loss over the gap is unknown, so none is booked). */
static void recenter(Pool *p, double P, Ledger *lg) {
    long double L = sqrtl((long double)p->r0 * (long double)p->r1);
    u128 r0 = (u128)(L / sqrtl((long double)P)), r1 = (u128)(L * sqrtl((long double)P));
    lg->gap0 += (i128)r0 - (i128)p->r0;
    lg->gap1 += (i128)r1 - (i128)p->r1;
    p->r0 = r0;
    p->r1 = r1;
}

/* The share of a swap of `amount` (raw, of the input token) that our pool, charging `fee` pips on that side,
 * wins against the venue.
 * FLOW_LOGIT: L e^{-b f} / (L e^{-b f} + L_v e^{-b f_v}) on the fee of the swap's side and the depths.
 * FLOW_ROUTE: the same logit on the all-in cost of the whole trade at each pool, in log units: the fee of
 * its side, the price impact at the pool's depth (exact for constant product), and the signed gap between
 * the pool's price and the venue's (P, the venue's price before the swap). The cost difference is the log of
 * one ratio of all-in prices, so e^{b c} is that ratio to the power b. */
static double share_at(const Pool *p, const FlowParams *fp, int zero_for_one, double amount, double P,
                       double venue_liquidity, int64_t fee) {
    double f = (double)fee / FEE_DENOM, fv = fp->venue_fee;
    double depth = sqrt((double)p->r0 * (double)p->r1), weight;
    if (fp->mode == FLOW_ROUTE) {
        double r0 = (double)p->r0, r1 = (double)p->r1, sqrt_p = sqrt(P);
        double reserve_in = zero_for_one ? r0 : r1;
        double venue_in = zero_for_one ? venue_liquidity / sqrt_p : venue_liquidity * sqrt_p;
        double gap = zero_for_one ? P * r0 / r1 : r1 / (r0 * P); /* the venue's price against ours, per side */
        double ratio = gap * (1 + amount * (1 - f) / reserve_in) / (1 - f) * (1 - fv) / (1 + amount * (1 - fv) / venue_in);
        weight = exp(fp->beta * log(ratio));
    } else {
        weight = exp(fp->beta * (f - fv));
    }
    if (!(weight < 1e300)) return 0.0;
    return 1.0 / (1.0 + venue_liquidity / depth * weight);
}

double flow_share(const Pool *p, const FlowParams *fp, int zero_for_one, double amount, double P,
                  double venue_liquidity, int64_t ts) {
    return share_at(p, fp, zero_for_one, amount, P, venue_liquidity, pool_rule_fee(p, !zero_for_one, ts));
}

/*
 * Replays swaps [0, step_end[n_steps-1]) in n_steps steps. Step s sets the rule's parameters to
 * clamp(rules[s]) (NRULE per step) and processes swaps up to step_end[s] (exclusive). At the first swap of
 * every block the arbitrageur trades against the fair price (the real pool's price after the previous block);
 * then every swap of the block is offered to the pool (FLOW_LOGIT: the uninformed ones only), which wins the
 * share flow_share() gives, booked to informed or uninformed flow by the `uninformed` flag. FLOW_ROUTE books
 * each flow trade at its markout: the fair price at the end of its markout window, price[mark[i]], so that
 * flow which knows where the price goes is paid for at that price (FLOW_LOGIT, which only takes uninformed
 * flow, books it at the fair price of the moment, as the arbitrage is). A swap flagged in `gap` starts a new
 * contiguous stretch of data: the pool is recentred there, nothing is booked. *fair carries the fair price
 * across calls. out is n_steps x NOUT, row-major; the ledger accumulates.
 */
int replay(Pool *p, const FlowParams *fp, const int64_t *ts, const int64_t *block, const double *price,
           const double *amount0, const double *amount1, const double *venue_liquidity,
           const uint8_t *uninformed, const uint8_t *gap, const int64_t *mark, int64_t first, int64_t n_steps,
           const int64_t *step_end, const int64_t *rules, double *fair, int64_t *last_block, double *out,
           Ledger *lg) {
    int64_t i = first;
    for (int64_t s = 0; s < n_steps; s++) {
        double *row = out + s * NOUT;
        memset(row, 0, NOUT * sizeof(double));
        pool_set_rule(p, rules + s * NRULE);
        row[O_FEE_PIPS] = (double)p->rule[R_BASE];
        row[O_TVL] = (double)p->r0 * *fair + (double)p->r1;
        for (; i < step_end[s]; i++) {
            if (gap[i]) {
                recenter(p, price[i], lg);
                *fair = price[i];
                *last_block = block[i];
            }
            if (block[i] != *last_block) {
                arbitrage(p, *fair, ts[i], pool_rule_fee(p, 1, ts[i]), pool_rule_fee(p, 0, ts[i]), fp, row, lg);
                *last_block = block[i];
            }
            int offered = fp->mode == FLOW_ROUTE || uninformed[i];
            int zero_for_one = amount0[i] > 0;
            double real_in = zero_for_one ? amount0[i] : amount1[i];
            if (offered && real_in > 0) {
                int64_t fee = pool_rule_fee(p, !zero_for_one, ts[i]);
                double share = share_at(p, fp, zero_for_one, real_in, *fair, venue_liquidity[i], fee);
                double want = real_in * share;
                double value = zero_for_one ? real_in * *fair : real_in;
                int col = uninformed[i] ? O_FEES_UNINF : O_FEES_INF;
                row[uninformed[i] ? O_OFFERED : O_OFFERED_INF] += value;
                i128 *d0 = &lg->trader0, *d1 = &lg->trader1;
                double at = fp->mode == FLOW_ROUTE ? price[mark[i]] : *fair;
                if (want >= 1.0 && want < 1e33 &&
                    trade(p, zero_for_one, (u128)want, fee, ts[i], at, row, col, d0, d1) == OK)
                    row[uninformed[i] ? O_KEPT : O_KEPT_INF] += value * share;
            }
            *fair = price[i];
        }
        row[O_FAIR] = *fair;
        row[O_POOL_PRICE] = pool_price(p);
        /* what moving the pool to the fair price along its curve would cost it: (sqrt(x P) - sqrt(y))^2 */
        double gap_value = sqrt((double)p->r0 * *fair) - sqrt((double)p->r1);
        row[O_DEBT] = gap_value * gap_value;
        row[O_FEE_BUY] = (double)pool_rule_fee(p, 1, p->last_ts);
        row[O_FEE_SELL] = (double)pool_rule_fee(p, 0, p->last_ts);
    }
    return (int)i;
}

/* ---------- many environments stepped in one call ---------- */

/*
 * The state of N fee environments over one market (envs/fee_vec_env.py mirrors this struct with ctypes and
 * owns every array it points to). Each environment has its own pool, flow parameters, ledger, replay position
 * and step; with a reward baseline, a shadow pool replays the same steps at a fixed rule. Resets are made in
 * Python (they build a fresh pool); a step is made here, for every environment whose `active` flag is set.
 */
typedef struct {
    /* the market's replay arrays and step bounds, shared by every environment */
    const int64_t *ts, *block;
    const double *price, *amount0, *amount1, *venue_liquidity;
    const uint8_t *uninformed, *gap;
    const int64_t *mark, *step_end, *step_time;
    /* the rule map (envs/rule_map.py): a template rule, and per action component its field, range and scale */
    int64_t n_outputs;
    int64_t rule_template[NRULE];
    int64_t out_field[NRULE];
    double out_lo[NRULE], out_hi[NRULE];
    int64_t out_log[NRULE];
    /* the reward: potential-based shaping when shaping != 0; minus a shadow pool's reward when baseline != 0 */
    int64_t shaping, baseline;
    double gamma;
    int64_t baseline_rule[NRULE];
    double obs_scale[NFEATURES];
    double obs_clip;
    /* per environment; `threads` threads step them, each a contiguous share */
    int64_t n, threads;
    Pool **pool, **shadow_pool;
    const FlowParams **flow, **shadow_flow;
    Ledger **ledger, **shadow_ledger;
    double **fair, **shadow_fair;
    int64_t **last_block, **shadow_last_block;
    int64_t *position, *shadow_position, *step, *last; /* last: where each window ends (exclusive) */
    double *debt, *shadow_debt;
    /* in: actions (n x n_outputs), which environments step; out: observations (n x NFEATURES), rewards, hedged
     * PnL (bps) and each step's table row (n x NOUT) */
    const double *action;
    const uint8_t *active;
    float *obs;
    double *reward, *pnl, *rows;
} VecEnv;

/* The rule an action sets: RuleMap.rule, rounding half to even as Python's round(). */
static void rule_for_action(const VecEnv *v, const double *a, int64_t *rule) {
    memcpy(rule, v->rule_template, sizeof(v->rule_template));
    for (int64_t j = 0; j < v->n_outputs; j++) {
        double x = a[j] < -1.0 ? -1.0 : (a[j] > 1.0 ? 1.0 : a[j]);
        double u = (x + 1.0) / 2.0, lo = v->out_lo[j], hi = v->out_hi[j];
        double value = v->out_log[j] ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo);
        rule[v->out_field[j]] = (int64_t)nearbyint(value);
    }
}

/* The observation of the pool's features at `now`: envs.features.observation_from_words, in the same order of
 * floating-point operations. */
static void observe(const VecEnv *v, const Pool *p, int64_t now, float *obs) {
    int64_t lo[NFEATURES], hi[NFEATURES];
    pool_features(p, now, lo, hi);
    for (int i = 0; i < NFEATURES; i++) {
        double x = (double)hi[i] * 18446744073709551616.0 + (double)(uint64_t)lo[i];
        x = x / 1e18 * v->obs_scale[i];
        obs[i] = (float)(x < -v->obs_clip ? -v->obs_clip : (x > v->obs_clip ? v->obs_clip : x));
    }
}

/* One step of one pool over market step k; returns its reward (hedged PnL, shaped if asked) and the PnL. */
static double step_pool(const VecEnv *v, Pool *p, const FlowParams *fp, Ledger *lg, double *fair,
                        int64_t *last_block, int64_t *position, double *debt, int64_t k, const int64_t *rule,
                        double *row, double *pnl_out) {
    const int64_t *ends = v->step_end + k;
    *position = replay(p, fp, v->ts, v->block, v->price, v->amount0, v->amount1, v->venue_liquidity,
                       v->uninformed, v->gap, v->mark, *position, 1, ends, rule, fair, last_block, row, lg);
    double pnl = (row[O_FEES] + row[O_MARKOUT]) / row[O_TVL] * 1e4;
    *pnl_out = pnl;
    if (!v->shaping) return pnl;
    double now = row[O_DEBT] / row[O_TVL] * 1e4, reward = pnl + *debt - v->gamma * now;
    *debt = now;
    return reward;
}

/* Steps environments [first, end) that are active. */
static void step_range(const VecEnv *v, int64_t first, int64_t end) {
    int64_t rule[NRULE];
    double shadow_row[NOUT], shadow_pnl;
    for (int64_t e = first; e < end; e++) {
        if (!v->active[e]) continue;
        int64_t k = v->step[e];
        double *row = v->rows + e * NOUT;
        rule_for_action(v, v->action + e * v->n_outputs, rule);
        double reward = step_pool(v, v->pool[e], v->flow[e], v->ledger[e], v->fair[e], v->last_block[e],
                                  v->position + e, v->debt + e, k, rule, row, v->pnl + e);
        if (v->baseline)
            reward -= step_pool(v, v->shadow_pool[e], v->shadow_flow[e], v->shadow_ledger[e], v->shadow_fair[e],
                                v->shadow_last_block[e], v->shadow_position + e, v->shadow_debt + e, k,
                                v->baseline_rule, shadow_row, &shadow_pnl);
        v->reward[e] = reward;
        v->step[e] = k + 1;
        observe(v, v->pool[e], v->step_time[k], v->obs + e * NFEATURES);
    }
}

typedef struct { const VecEnv *v; int64_t first, end; } Share;

static void *step_share(void *arg) {
    const Share *s = (const Share *)arg;
    step_range(s->v, s->first, s->end);
    return NULL;
}

enum { MAX_THREADS = 64 };

/* Steps every active environment once. Checks first and steps none when one cannot step: returns e + 1 for
 * an environment e at the end of its window, -(e + 1) for one whose action is not a finite number; else 0.
 * Environments share nothing, so the results do not depend on the number of threads. */
int64_t vec_step(VecEnv *v) {
    for (int64_t e = 0; e < v->n; e++) {
        if (!v->active[e]) continue;
        if (v->step[e] >= v->last[e]) return e + 1;
        for (int64_t j = 0; j < v->n_outputs; j++)
            if (!isfinite(v->action[e * v->n_outputs + j])) return -(e + 1);
    }
    int64_t threads = v->threads < 1 ? 1 : (v->threads > MAX_THREADS ? MAX_THREADS : v->threads);
    if (threads > v->n) threads = v->n;
    Share shares[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int64_t t = 0; t < threads; t++) {
        shares[t] = (Share){v, v->n * t / threads, v->n * (t + 1) / threads};
        if (t > 0) started[t] = pthread_create(&ids[t], NULL, step_share, &shares[t]) == 0;
    }
    step_range(v, shares[0].first, shares[0].end);
    for (int64_t t = 1; t < threads; t++) {
        if (started[t]) pthread_join(ids[t], NULL);
        else step_range(v, shares[t].first, shares[t].end); /* no thread to be had: step its share here */
    }
    return 0;
}

int nout(void) { return NOUT; }
int nfeatures(void) { return NFEATURES; }
