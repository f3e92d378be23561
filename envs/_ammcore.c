/*
 * lamm AMM core: the exact-integer constant-product pool, its on-chain feature accumulators, and the
 * replay loop that drives it with arbitrage and fee-sensitive flow.
 *
 * The integer formulas here are the ones contracts/DynamicFeePool.vy implements (uint256/int256 there,
 * 128-bit here with reserves bounded by 2**112 as in Uniswap V2). Decisions that are not the pool's
 * (how much an arbitrageur trades, how much flow a fee keeps) are made in floating point, then executed
 * through the exact swap. Loaded with ctypes by envs/amm.py: 128-bit values cross as (lo, hi) words.
 */
#include <math.h>
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

enum { OK = 0, ERR_ZERO_IN = 1, ERR_ZERO_OUT = 2, ERR_OVERFLOW = 3, ERR_FEE = 4 };

typedef struct {
    u128 r0, r1;                       /* reserves, raw token units */
    i128 var_fast, var_slow;           /* EWMA variance rate of log price, WAD per second */
    i128 flow, volume;                 /* EWMA signed / absolute token1 flow, WAD fraction of reserve per second */
    i128 logp, logp_twap;              /* cumulative log-price proxy and its time-weighted EWMA, WAD */
    int64_t fee;                       /* current fee, pips */
    int64_t last_ts;                   /* timestamp of the last swap */
    int64_t epoch;                     /* number of swaps so far */
    int64_t tau_fast, tau_slow, tau_flow, tau_twap; /* EWMA time constants, seconds */
    int64_t fee_min, fee_max, fee_max_step;         /* fee bounds and max change per update, pips */
} Pool;

/* ---------- exact arithmetic ---------- */

/* floor(a * b / c), exact; the caller guarantees c > 0 and a result below 2**128. */
static u128 muldiv(u128 a, u128 b, u128 c) {
    u128 p;
    if (!__builtin_mul_overflow(a, b, &p)) return p / c;
    const u128 m64 = ((u128)1 << 64) - 1;
    u128 a0 = a & m64, a1 = a >> 64, b0 = b & m64, b1 = b >> 64;
    u128 ll = a0 * b0, lh = a0 * b1, hl = a1 * b0, hh = a1 * b1;
    u128 mid = (ll >> 64) + (lh & m64) + (hl & m64);
    u128 lo = (ll & m64) | (mid << 64);
    u128 hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
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

/* floor(sqrt(n)), exact. */
static u128 isqrt(u128 n) {
    if (n == 0) return 0;
    u128 x = (u128)sqrtl((long double)n);
    while (x > 0 && (x > n / x || x * x > n)) x--;
    while ((x + 1) <= n / (x + 1)) x++;
    return x;
}

static i128 ewma(i128 acc, int64_t tau, i128 x, int64_t dt) { return (acc * tau + x) / (tau + dt); }

/* ---------- the pool ---------- */

Pool *pool_new(void) { return (Pool *)calloc(1, sizeof(Pool)); }
void pool_free(Pool *p) { free(p); }

/* Reads and writes the pool's fields as an int64 vector (the 128-bit ones as lo, hi pairs). */
enum { NFIELD_WORDS = 2 * 8 + 10 };
void pool_export(const Pool *p, uint64_t *w) {
    const u128 *big[8] = {&p->r0, &p->r1, (const u128 *)&p->var_fast, (const u128 *)&p->var_slow,
                          (const u128 *)&p->flow, (const u128 *)&p->volume, (const u128 *)&p->logp,
                          (const u128 *)&p->logp_twap};
    for (int i = 0; i < 8; i++) {
        w[2 * i] = (uint64_t)*big[i];
        w[2 * i + 1] = (uint64_t)(*big[i] >> 64);
    }
    const int64_t small[10] = {p->fee, p->last_ts, p->epoch, p->tau_fast, p->tau_slow,
                               p->tau_flow, p->tau_twap, p->fee_min, p->fee_max, p->fee_max_step};
    memcpy(w + 16, small, sizeof(small));
}
void pool_import(Pool *p, const uint64_t *w) {
    u128 *big[8] = {&p->r0, &p->r1, (u128 *)&p->var_fast, (u128 *)&p->var_slow,
                    (u128 *)&p->flow, (u128 *)&p->volume, (u128 *)&p->logp, (u128 *)&p->logp_twap};
    for (int i = 0; i < 8; i++) *big[i] = (u128)w[2 * i] | ((u128)w[2 * i + 1] << 64);
    int64_t s[10];
    memcpy(s, w + 16, sizeof(s));
    p->fee = s[0]; p->last_ts = s[1]; p->epoch = s[2]; p->tau_fast = s[3]; p->tau_slow = s[4];
    p->tau_flow = s[5]; p->tau_twap = s[6]; p->fee_min = s[7]; p->fee_max = s[8]; p->fee_max_step = s[9];
}
int pool_field_words(void) { return NFIELD_WORDS; }

/* The fee an update to `want` yields: within bounds and at most fee_max_step from the current fee. */
int64_t pool_clamp_fee(const Pool *p, int64_t want) {
    int64_t lo = p->fee - p->fee_max_step, hi = p->fee + p->fee_max_step;
    if (lo < p->fee_min) lo = p->fee_min;
    if (hi > p->fee_max) hi = p->fee_max;
    return want < lo ? lo : (want > hi ? hi : want);
}

/* Updates the feature accumulators for a swap that moves token1 reserve by d1 (signed, into the pool). */
static void update_features(Pool *p, i128 d1, int64_t ts) {
    int64_t dt = ts > p->last_ts ? ts - p->last_ts : 0;
    p->logp_twap = (p->logp_twap * p->tau_twap + p->logp * dt) / (p->tau_twap + dt);
    u128 mag = muldiv(d1 < 0 ? (u128)(-d1) : (u128)d1, (u128)WAD, p->r1);
    i128 u = mag > (u128)WAD ? WAD : (i128)mag;
    if (d1 < 0) u = -u;
    i128 ret = 2 * u;                     /* log-price return proxy: d ln(r1/r0) ~ 2 d ln r1 */
    i128 sq = ret * ret / WAD;
    p->var_fast = ewma(p->var_fast, p->tau_fast, sq, dt);
    p->var_slow = ewma(p->var_slow, p->tau_slow, sq, dt);
    p->flow = ewma(p->flow, p->tau_flow, u, dt);
    p->volume = ewma(p->volume, p->tau_flow, u < 0 ? -u : u, dt);
    p->logp += ret;
    p->last_ts = ts;
    p->epoch += 1;
}

/* Amount out for amount_in of token0 (zero_for_one) or token1, and the fee kept; no state change. */
static int quote(const Pool *p, int zero_for_one, u128 amount_in, u128 *out, u128 *fee_amt) {
    if (amount_in == 0) return ERR_ZERO_IN;
    u128 r_in = zero_for_one ? p->r0 : p->r1, r_out = zero_for_one ? p->r1 : p->r0;
    if (amount_in >= RESERVE_LIMIT || r_in + amount_in >= RESERVE_LIMIT) return ERR_OVERFLOW;
    u128 after = muldiv(amount_in, (u128)(FEE_DENOM - p->fee), (u128)FEE_DENOM);
    *fee_amt = amount_in - after;
    *out = muldiv(after, r_out, r_in + after);
    return *out == 0 ? ERR_ZERO_OUT : OK;
}

/* Exact-input swap at time ts. Returns an error code; on success *out and *fee_amt are set. */
int pool_swap(Pool *p, int zero_for_one, uint64_t in_lo, uint64_t in_hi, int64_t ts, uint64_t *out_words,
              uint64_t *fee_words) {
    u128 amount_in = (u128)in_lo | ((u128)in_hi << 64), out, fee_amt;
    int err = quote(p, zero_for_one, amount_in, &out, &fee_amt);
    if (err) return err;
    update_features(p, zero_for_one ? -(i128)out : (i128)amount_in, ts);
    if (zero_for_one) { p->r0 += amount_in; p->r1 -= out; }
    else { p->r1 += amount_in; p->r0 -= out; }
    out_words[0] = (uint64_t)out; out_words[1] = (uint64_t)(out >> 64);
    fee_words[0] = (uint64_t)fee_amt; fee_words[1] = (uint64_t)(fee_amt >> 64);
    return OK;
}

/* The on-chain features at time `now`, WAD fixed point (see envs/features.py for their meaning). */
enum { NFEATURES = 7 };
void pool_features(const Pool *p, int64_t now, int64_t *f_lo, int64_t *f_hi) {
    int64_t dt = now > p->last_ts ? now - p->last_ts : 0;
    i128 vf = p->var_fast * p->tau_fast / (p->tau_fast + dt);
    i128 vs = p->var_slow * p->tau_slow / (p->tau_slow + dt);
    i128 fl = p->flow * p->tau_flow / (p->tau_flow + dt);
    i128 vo = p->volume * p->tau_flow / (p->tau_flow + dt);
    i128 twap = (p->logp_twap * p->tau_twap + p->logp * dt) / (p->tau_twap + dt);
    i128 cap = 100 * WAD; /* 1e20: sigma saturates at 10 (1000% a year) */
    i128 x[NFEATURES];
    x[0] = (i128)p->fee * (WAD / FEE_DENOM);
    x[1] = (i128)isqrt((u128)((vf * SECONDS_PER_YEAR > cap ? cap : vf * SECONDS_PER_YEAR) * WAD));
    x[2] = (i128)isqrt((u128)((vs * SECONDS_PER_YEAR > cap ? cap : vs * SECONDS_PER_YEAR) * WAD));
    x[3] = fl * SECONDS_PER_DAY;
    x[4] = vo * SECONDS_PER_DAY;
    x[5] = (i128)(dt < MAX_IDLE ? dt : MAX_IDLE) * WAD / 3600;
    x[6] = p->logp - twap;
    for (int i = 0; i < NFEATURES; i++) {
        f_lo[i] = (int64_t)(uint64_t)x[i];
        f_hi[i] = (int64_t)(x[i] >> 64);
    }
}

/* ---------- the replay loop ---------- */

typedef struct {
    double beta;       /* logit slope of flow share per unit of fee difference */
    double venue_fee;  /* fee of the competing venue (fraction) */
    double gas_token1; /* the arbitrageur's gas cost per trade, token1 raw units */
} FlowParams;

/* Per-step output columns. */
enum {
    O_FEES, O_MARKOUT, O_OFFERED, O_KEPT, O_ARB_VOL, O_N_ARBS, O_TVL, O_FEE_PIPS, O_FAIR, O_POOL_PRICE, O_DEBT,
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

/* Executes a swap for the replay and books its fee and markout at fair price `fair`. */
static int trade(Pool *p, int zero_for_one, u128 amount_in, int64_t ts, double fair, double *row,
                 i128 *d0, i128 *d1) {
    u128 out, fee_amt;
    int err = quote(p, zero_for_one, amount_in, &out, &fee_amt);
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
    return OK;
}

/* The arbitrageur's best trade against fair price P: moves the pool price to the edge of the no-trade band,
 * if the profit at P beats its gas. Returns 1 if it traded. */
static int arbitrage(Pool *p, double P, int64_t ts, const FlowParams *fp, double *row, Ledger *lg) {
    long double g = 1.0L - (long double)p->fee / FEE_DENOM;
    long double r0 = (long double)p->r0, r1 = (long double)p->r1, k = r0 * r1, price = r1 / r0;
    int zero_for_one;
    long double x;
    if (price < (long double)P * g) { zero_for_one = 0; x = (sqrtl(g * k * P) - r1) / g; }
    else if (price > (long double)P / g) { zero_for_one = 1; x = (sqrtl(g * k / P) - r0) / g; }
    else return 0;
    if (!(x >= 1.0L) || x >= (long double)RESERVE_LIMIT) return 0;
    u128 amount_in = (u128)x, out, fee_amt;
    if (quote(p, zero_for_one, amount_in, &out, &fee_amt)) return 0;
    double profit = zero_for_one ? (double)out - (double)amount_in * P : (double)out * P - (double)amount_in;
    if (profit <= fp->gas_token1) return 0;
    if (trade(p, zero_for_one, amount_in, ts, P, row, &lg->arb0, &lg->arb1)) return 0;
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

/*
 * Replays swaps [0, step_end[n_steps-1]) in n_steps steps. Step s sets the fee to clamp(fee_pips[s]) and
 * processes swaps up to step_end[s] (exclusive). At the first swap of every block the arbitrageur trades
 * against the fair price (the real pool's price after the previous block); then every uninformed swap of the
 * block is offered to the pool, which keeps the logit share its fee and depth win against the venue. A swap
 * flagged in `gap` starts a new contiguous stretch of data: the pool is recentred there, nothing is booked.
 * *fair carries the fair price across calls. out is n_steps x NOUT, row-major; the ledger accumulates.
 */
int replay(Pool *p, const FlowParams *fp, const int64_t *ts, const int64_t *block, const double *price,
           const double *amount0, const double *amount1, const double *venue_liquidity,
           const uint8_t *uninformed, const uint8_t *gap, int64_t first, int64_t n_steps, const int64_t *step_end,
           const int64_t *fee_pips, double *fair, int64_t *last_block, double *out, Ledger *lg) {
    int64_t i = first;
    for (int64_t s = 0; s < n_steps; s++) {
        double *row = out + s * NOUT;
        memset(row, 0, NOUT * sizeof(double));
        p->fee = pool_clamp_fee(p, fee_pips[s]);
        row[O_FEE_PIPS] = (double)p->fee;
        row[O_TVL] = (double)p->r0 * *fair + (double)p->r1;
        for (; i < step_end[s]; i++) {
            if (gap[i]) {
                recenter(p, price[i], lg);
                *fair = price[i];
                *last_block = block[i];
            }
            if (block[i] != *last_block) {
                arbitrage(p, *fair, ts[i], fp, row, lg);
                *last_block = block[i];
            }
            if (uninformed[i]) {
                int zero_for_one = amount0[i] > 0;
                double real_in = zero_for_one ? amount0[i] : amount1[i];
                if (real_in > 0) {
                    double f = (double)p->fee / FEE_DENOM;
                    double depth = sqrt((double)p->r0 * (double)p->r1);
                    double w = depth * exp(-fp->beta * (f - fp->venue_fee));
                    double share = w / (w + venue_liquidity[i]);
                    double want = real_in * share;
                    double value = zero_for_one ? real_in * *fair : real_in;
                    row[O_OFFERED] += value;
                    if (want >= 1.0 && want < 1e33 &&
                        trade(p, zero_for_one, (u128)want, ts[i], *fair, row, &lg->trader0, &lg->trader1) == OK)
                        row[O_KEPT] += value * share;
                }
            }
            *fair = price[i];
        }
        row[O_FAIR] = *fair;
        row[O_POOL_PRICE] = pool_price(p);
        /* what moving the pool to the fair price along its curve would cost it: (sqrt(x P) - sqrt(y))^2 */
        double gap = sqrt((double)p->r0 * *fair) - sqrt((double)p->r1);
        row[O_DEBT] = gap * gap;
    }
    return (int)i;
}

int nout(void) { return NOUT; }
int nfeatures(void) { return NFEATURES; }
