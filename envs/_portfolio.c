/*
 * Portfolio replay kernel: the loop of backtests.portfolio_engine.run_portfolio for strategies whose targets
 * are known from prices alone (hold, constant mix, band, momentum), with envs.portfolio_execution.rebalance's
 * arithmetic operation for operation. Loaded through ctypes (envs/portfolio_kernel.py).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_POOL_SHARE 0.5 /* envs.portfolio_execution.MAX_POOL_SHARE */

static double amount_out(double in, double reserve_in, double reserve_out, double fee) {
    double net = in * (1.0 - fee);
    return reserve_out * net / (reserve_in + net);
}

static double amount_in_for(double out, double reserve_in, double reserve_out, double fee) {
    return reserve_in * out / ((reserve_out - out) * (1.0 - fee));
}

/* One rebalance toward w at prices p; updates h and *cash; adds to totals[0..3] (fees, impact, gas, trades);
   returns the value traded at mid. scratch: 3 * n doubles. depth <= 0: no price impact. */
static double rebalance(int64_t n, const double *p, const double *w, double *h, double *cash, double fee,
                        double depth, double gas, double min_trade, double *totals, double *scratch) {
    double *delta = scratch, *units = scratch + n, *cost = scratch + 2 * n;
    double value = *cash;
    for (int64_t i = 0; i < n; i++) value += h[i] * p[i];
    double floor_ = fmax(fmax(min_trade, gas), 1e-12 * value); /* never a trade worth less than its gas */
    int64_t trades = 0;
    double proceeds = 0.0, sold_value = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = w[i] * value - h[i] * p[i];
        if (fabs(d) < floor_) d = 0.0;
        delta[i] = d;
        units[i] = 0.0;
        cost[i] = 0.0;
        if (d != 0.0) trades++;
    }
    if (gas * (double)trades >= value) return 0.0; /* what is left would not even pay for the transactions */
    for (int64_t i = 0; i < n; i++) {
        double d = delta[i];
        if (d < 0) {
            double sold = -d / p[i];
            proceeds += depth > 0 ? amount_out(sold, depth / p[i], depth, fee) : sold * p[i] * (1.0 - fee);
            sold_value += sold * p[i];
            units[i] = -sold;
        }
    }
    double gas_total = gas * (double)trades;
    double available = *cash + proceeds - gas_total;
    double spend = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (delta[i] > 0) {
            double want = delta[i] / p[i];
            if (depth > 0) {
                want = fmin(want, MAX_POOL_SHARE * (depth / p[i]));
                cost[i] = amount_in_for(want, depth, depth / p[i], fee);
            } else {
                cost[i] = want * p[i] / (1.0 - fee);
            }
            units[i] = want;
            spend += cost[i];
        }
    }
    if (spend > available && spend > 0) {
        double scale = fmax(available, 0.0) / spend;
        spend = 0.0;
        for (int64_t i = 0; i < n; i++) {
            if (delta[i] > 0) {
                cost[i] *= scale;
                units[i] = depth > 0 ? amount_out(cost[i], depth, depth / p[i], fee) : cost[i] * (1.0 - fee) / p[i];
                spend += cost[i];
            }
        }
    }
    double cash_delta = proceeds - spend - gas_total;
    double traded = 0.0, moved = 0.0;
    for (int64_t i = 0; i < n; i++) {
        h[i] += units[i];
        traded += fabs(units[i]) * p[i];
        moved += units[i] * p[i];
    }
    *cash += cash_delta;
    double fees = fee * (sold_value + spend);
    totals[0] += fees;
    totals[1] += fmax(-(moved + cash_delta) - fees - gas_total, 0.0);
    totals[2] += gas_total;
    totals[3] += (double)trades;
    return traded;
}

/* targets: t rows of n weights, a NaN first weight = no decision at that row. band > 0: from the second row,
   trade only when some weight is more than band from its target. Writes values[t], weights[t * n], traded[t];
   totals: fees, impact, gas, trades. Returns 0, or 1 when memory runs out. */
int portfolio_run(int64_t t_rows, int64_t n, const double *prices, const double *targets, double band, double fee,
                  double depth, double gas, double min_trade, double capital, double *values, double *weights,
                  double *traded, double *totals) {
    double *h = calloc((size_t)(4 * n), sizeof(double));
    if (!h) return 1;
    double cash = capital;
    for (int k = 0; k < 4; k++) totals[k] = 0.0;
    for (int64_t t = 0; t < t_rows; t++) {
        const double *p = prices + t * n, *w = targets + t * n;
        traded[t] = 0.0;
        if (!isnan(w[0])) {
            int go = 1;
            if (band > 0 && t > 0) {
                double value = cash, worst = 0.0;
                for (int64_t i = 0; i < n; i++) value += h[i] * p[i];
                for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(h[i] * p[i] / value - w[i]));
                go = worst > band;
            }
            if (go) traded[t] = rebalance(n, p, w, h, &cash, fee, depth, gas, min_trade, totals, h + n);
        }
        double value = cash;
        for (int64_t i = 0; i < n; i++) value += h[i] * p[i];
        values[t] = value;
        for (int64_t i = 0; i < n; i++) weights[t * n + i] = h[i] * p[i] / value;
    }
    free(h);
    return 0;
}
