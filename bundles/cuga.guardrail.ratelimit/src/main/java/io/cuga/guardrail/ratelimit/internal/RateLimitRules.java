package io.cuga.guardrail.ratelimit.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * The compiled ratelimit section of one policy. Every rule whose glob matches the tool applies; a call takes
 * one token from each, and when one of them is empty, the tokens already taken are given back and the call
 * is denied as a limit with the time until that bucket has a token again. A dry run takes nothing.
 */
final class RateLimitRules implements Guardrail.Rules {

    private final String profile;
    private final List<RateRule> rules;
    private final String[] prefixes;
    private final BucketStore store;

    RateLimitRules(String profile, List<RateRule> rules, BucketStore store) {
        this.profile = profile;
        this.rules = List.copyOf(rules);
        this.store = store;
        this.prefixes = new String[this.rules.size()];
        for (int i = 0; i < prefixes.length; i++) {
            prefixes[i] = this.rules.get(i).identity() + '\u0000' + profile + '\u0000';
        }
    }

    @Override
    public Decision check(GuardedCall call) {
        String tool = call.tool().name();
        long now = store.now();
        List<TokenBucket> taken = null;
        for (int i = 0; i < prefixes.length; i++) {
            RateRule rule = rules.get(i);
            if (!GlobList.matches(rule.tool(), tool)) {
                continue;
            }
            String key = prefixes[i] + rule.scope().value(call);
            double wait;
            if (call.dryRun()) {
                TokenBucket bucket = store.existing(key);
                wait = bucket == null ? TokenBucket.GRANTED : bucket.peek(now);
            } else {
                while (true) {
                    TokenBucket bucket = store.bucket(key, rule.perSecond(), rule.burst(), now);
                    wait = bucket.take(now);
                    if (wait != TokenBucket.DEAD) {
                        if (wait == TokenBucket.GRANTED) {
                            if (taken == null) {
                                taken = new ArrayList<>(2);
                            }
                            taken.add(bucket);
                        }
                        break;
                    }
                    store.forget(key, bucket);
                }
            }
            if (wait > 0) {
                if (taken != null) {
                    taken.forEach(TokenBucket::refund);
                }
                return limited(call, rule, wait);
            }
        }
        return Decision.allow();
    }

    private Decision limited(GuardedCall call, RateRule rule, double wait) {
        long retry = Math.max(1, (long) Math.ceil(wait - 1e-9));
        String per = switch (rule.scope()) {
            case PROFILE -> "profile '" + profile + "'";
            case SESSION -> "session" + (call.session().isEmpty() ? " (none)" : " '" + call.session() + "'");
            case CALLER -> "caller '" + call.caller() + "'";
        };
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(Decision.LIMIT, Boolean.TRUE);
        details.put(Decision.RETRY_AFTER_SECONDS, retry);
        details.put("scope", rule.scope().key());
        details.put("per_second", rule.perSecond());
        details.put("burst", rule.burst());
        return new Decision(Verdict.DENY, RateLimitGuardrail.TYPE, "rules/" + rule.index(),
            "rate limit of " + rule.rate() + " (burst " + rule.burst() + ") for tool '" + call.tool().name() + "' per " + per
                + " reached; retry in " + retry + " s",
            details);
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof RateLimitRules)) {
            throw new PolicyException("", "the parent's ratelimit rules are of another kind");
        }
        for (RateRule p : ((RateLimitRules) parent).rules) {
            RateRule mine = null;
            for (RateRule r : rules) {
                if (r.tool().equals(p.tool()) && r.scope() == p.scope()) {
                    mine = r;
                }
            }
            if (mine == null) {
                throw new PolicyException("/rules", "the parent limits tool '" + p.tool() + "' per " + p.scope().key()
                    + ": a profile may add rules, not remove them");
            }
            if (mine.perSecond() > p.perSecond()) {
                throw new PolicyException("/rules/" + mine.index() + "/per_second", "the parent allows " + p.rate()
                    + " for tool '" + p.tool() + "' per " + p.scope().key() + ": a profile may only lower it, not raise it to "
                    + mine.rate());
            }
            if (mine.burst() > p.burst()) {
                throw new PolicyException("/rules/" + mine.index() + "/burst", "the parent allows a burst of " + p.burst()
                    + " for tool '" + p.tool() + "' per " + p.scope().key() + ": a profile may only lower it, not raise it to "
                    + mine.burst());
            }
        }
    }
}
