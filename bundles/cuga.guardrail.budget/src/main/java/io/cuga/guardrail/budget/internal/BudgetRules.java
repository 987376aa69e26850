package io.cuga.guardrail.budget.internal;

import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.BudgetLedger.BudgetKey;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.api.store.BudgetLedger.Admission;
import io.cuga.api.store.BudgetLedger.Balance;
import io.cuga.api.store.BudgetLedger.Reservation;

/**
 * The compiled budget section of one policy. {@link #check} reserves on every limit (all limits apply to
 * every call) and {@link #complete} settles or releases what the call reserved. The ledger, not these rules,
 * holds the amounts, so a reload keeps them.
 */
final class BudgetRules implements Guardrail.Rules {

    private final String profile;
    private final List<Limit> limits;
    private final Supplier<BudgetLedger> ledgers;
    /** Reservations of calls between check and complete, by call id. */
    private final Map<String, List<Reservation>> pending = new ConcurrentHashMap<>();

    BudgetRules(String profile, List<Limit> limits, Supplier<BudgetLedger> ledgers) {
        this.profile = profile;
        this.limits = List.copyOf(limits);
        this.ledgers = ledgers;
    }

    private BudgetKey key(Limit limit, GuardedCall call) {
        return new BudgetKey(profile, limit.kind().key(), limit.scope().key(), limit.scope().value(call));
    }

    @Override
    public Decision check(GuardedCall call) {
        if (limits.isEmpty()) {
            return Decision.allow();
        }
        BudgetLedger ledger = ledgers.get();
        List<Warning> warnings = null;
        List<Reservation> held = call.dryRun() ? null : new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            BudgetKey key = key(limit, call);
            Admission admission;
            long used;
            long exceedances;
            if (held == null) {
                Balance b = ledger.balance(key);
                admission = Admission.decide(b.used(), b.exceedances(), limit.estimate(), limit.ceiling(),
                    limit.allowedExceedances());
                used = b.used() + (admission == Admission.REFUSED ? 0 : limit.estimate());
                exceedances = b.exceedances() + (admission == Admission.OVER ? 1 : 0);
            } else {
                Reservation r;
                try {
                    r = ledger.reserve(key, limit.estimate(), limit.ceiling(), limit.allowedExceedances());
                } catch (RuntimeException e) {
                    releaseQuietly(ledger, held);
                    throw e;
                }
                admission = r.admission();
                used = r.used();
                exceedances = r.exceedances();
                if (admission != Admission.REFUSED) {
                    held.add(r);
                }
            }
            if (admission == Admission.REFUSED) {
                if (held != null) {
                    held.forEach(ledger::release);
                }
                return refused(limit, call, used, exceedances);
            }
            Warning warning = warning(limit, call, admission, used, exceedances);
            if (warning != null) {
                if (warnings == null) {
                    warnings = new ArrayList<>(2);
                }
                warnings.add(warning);
            }
        }
        if (held != null && !held.isEmpty()) {
            List<Reservation> previous = pending.put(call.callId(), held);
            if (previous != null) {
                previous.forEach(ledger::release); // the same call checked again: its first reservation goes
            }
        }
        if (warnings == null) {
            return Decision.allow();
        }
        return new Decision(Verdict.WARN, BudgetGuardrail.TYPE, warnings.get(0).rule(),
            String.join("; ", warnings.stream().map(Warning::reason).toList()), Map.of());
    }

    /** Gives back what a call reserved on its earlier limits when a later reservation failed. */
    private static void releaseQuietly(BudgetLedger ledger, List<Reservation> held) {
        for (Reservation r : held) {
            try {
                ledger.release(r);
            } catch (RuntimeException ignored) {
                // the store is failing: what stays reserved is visible in the ledger and released by no one else
            }
        }
    }

    private record Warning(String rule, String reason) {
    }

    private String scopeText(Limit limit, GuardedCall call) {
        return switch (limit.scope()) {
            case PROFILE -> "profile '" + profile + "'";
            case SESSION -> call.session().isEmpty() ? "session (none)" : "session '" + call.session() + "'";
            case TASK -> "task '" + call.traceId() + "'";
        };
    }

    /** @return the warning of a limit for an admitted call, or null */
    private Warning warning(Limit limit, GuardedCall call, Admission admission, long used, long exceedances) {
        String what = limit.kind().key() + " budget per " + scopeText(limit, call);
        if (admission == Admission.OVER) {
            String escalation = limit.escalation() == 0 ? ""
                : ", exceedance " + exceedances + " of " + limit.escalation() + " before calls are blocked";
            return new Warning(limit.rule(), what + " exceeded: " + Units.format(used) + " of "
                + Units.format(limit.ceiling()) + " used (on_exceed warn" + escalation + ")");
        }
        if (limit.ceiling() > 0 && used >= limit.warnAt()) {
            long percent = Math.min(100, Math.round(100.0 * used / limit.ceiling()));
            return new Warning(limit.rule(), what + " at " + percent + "%: " + Units.format(used) + " of "
                + Units.format(limit.ceiling()) + " used");
        }
        return null;
    }

    private Decision refused(Limit limit, GuardedCall call, long used, long exceedances) {
        String what = limit.kind().key() + " budget per " + scopeText(limit, call);
        String reason = limit.warnMode()
            ? what + " exceeded " + exceedances + " times in warn mode, its escalation limit: calls are blocked ("
                + Units.format(used) + " of " + Units.format(limit.ceiling()) + " used)"
            : what + " exhausted: " + Units.format(used) + " of " + Units.format(limit.ceiling()) + " used";
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(Decision.LIMIT, Boolean.TRUE);
        details.put("kind", limit.kind().key());
        details.put("scope", limit.scope().key());
        details.put("used", Units.decimal(used));
        details.put("ceiling", Units.decimal(limit.ceiling()));
        return new Decision(Verdict.DENY, BudgetGuardrail.TYPE, limit.rule(), reason, details);
    }

    @Override
    public void complete(GuardedCall call, Decision decision, CallOutcome outcome) {
        List<Reservation> held = pending.remove(call.callId());
        if (held == null) {
            return;
        }
        BudgetLedger ledger = ledgers.get();
        boolean ran = outcome != null && decision.verdict() != Verdict.DENY && ran(outcome.status());
        for (Reservation r : held) {
            long actual = -1;
            if (ran) {
                actual = switch (r.key().kind()) {
                    case "cost" -> Units.reported(outcome.details().get("cost"));
                    case "tokens" -> Units.reported(outcome.details().get("tokens"));
                    default -> Units.ONE;
                };
            }
            if (actual >= 0) {
                ledger.settle(r, actual);
            } else {
                ledger.release(r);
            }
        }
    }

    /** @return true when the tool's code ran (and may have spent), whatever it returned */
    static boolean ran(CallOutcome.Status status) {
        return switch (status) {
            case OK, TOOL_ERROR, TOOL_FAILED, TIMEOUT -> true;
            default -> false;
        };
    }

    /** @return the calls between check and complete (for tests) */
    int pending() {
        return pending.size();
    }

    /** @return the profile- and session-scoped budgets of {@code session} */
    List<BudgetUsage> usage(String session) {
        BudgetLedger ledger = ledgers.get();
        List<BudgetUsage> out = new ArrayList<>();
        for (Limit limit : limits) {
            if (limit.scope() == Limit.Scope.TASK) {
                continue;
            }
            String value = limit.scope() == Limit.Scope.SESSION ? session : "";
            Balance b = ledger.balance(new BudgetKey(profile, limit.kind().key(), limit.scope().key(), value));
            out.add(new BudgetUsage(limit.kind().key(), limit.scope().key(),
                limit.scope() == Limit.Scope.PROFILE ? profile : session, Units.decimal(b.spent()), Units.decimal(b.reserved()),
                Units.decimal(limit.ceiling()), limit.warnRatio(), limit.onExceed(), b.exceedances()));
        }
        return out;
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof BudgetRules)) {
            throw new PolicyException("", "the parent's budget rules are of another kind");
        }
        for (Limit p : ((BudgetRules) parent).limits) {
            Limit mine = null;
            for (Limit l : limits) {
                if (l.kind() == p.kind() && l.scope() == p.scope()) {
                    mine = l;
                }
            }
            String name = p.kind().key() + " per " + p.scope().key();
            if (mine == null) {
                throw new PolicyException("/limits", "the parent limits " + name + ": a profile may add limits, not remove them");
            }
            String at = "/limits/" + mine.index();
            if (mine.ceiling() > p.ceiling()) {
                throw new PolicyException(at + "/ceiling", "the parent's ceiling of " + name + " is " + Units.format(p.ceiling())
                    + ": a profile may only lower it, not raise it to " + Units.format(mine.ceiling()));
            }
            if (mine.warnRatio() > p.warnRatio()) {
                throw new PolicyException(at + "/warn_ratio", "the parent warns at " + p.warnRatio() + " of " + name
                    + ": a profile may only warn earlier, not at " + mine.warnRatio());
            }
            if (mine.warnMode() && !p.warnMode()) {
                throw new PolicyException(at + "/on_exceed", "the parent blocks " + name
                    + " at its ceiling: a profile may not only warn");
            }
            if (mine.warnMode() && p.escalation() > 0 && (mine.escalation() == 0 || mine.escalation() > p.escalation())) {
                throw new PolicyException(at + "/escalation", "the parent blocks " + name + " after " + p.escalation()
                    + " exceedances: a profile may only block sooner, not " + (mine.escalation() == 0 ? "never" : "after " + mine.escalation()));
            }
            if (mine.estimate() < p.estimate()) {
                throw new PolicyException(at + "/estimate", "the parent reserves " + Units.format(p.estimate()) + " per call for "
                    + name + ": a profile may only reserve more, not " + Units.format(mine.estimate()));
            }
        }
    }
}
