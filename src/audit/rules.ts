/**
 * The RLS audit's rules — what the seed guide warns about once anonymous users exist (they use the
 * `authenticated` role; only the `is_anonymous` claim tells them apart):
 *  1. a permissive INSERT/UPDATE/DELETE policy for authenticated (or public) with no is_anonymous check,
 *     not limited to the caller's own rows and not backed by a restrictive anonymous check;
 *  2. an is_anonymous check inside a PERMISSIVE policy that another permissive policy OR-bypasses
 *     (the seed's "use restrictive policies"; its own "Anonymous cart item limit" is such a case);
 *  3. tables in an exposed schema without row-level security (and views that bypass it);
 *  4. auth.users triggers that assume every user has an email (anonymous users have none).
 */
import { quoteIdent } from '../rest/ident.js';
import type { PolicyCommand, PolicyRow, RelationRow, TriggerRow } from './catalog.js';

export type FindingKind =
  | 'write_without_anonymous_check'
  | 'bypassable_anonymous_check'
  | 'rls_disabled'
  | 'view_bypasses_rls'
  | 'trigger_assumes_email';

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: 'high' | 'medium';
  readonly schema: string;
  readonly table: string;
  readonly policy?: string;
  readonly trigger?: string;
  readonly function?: string;
  readonly message: string;
  /** The offending object as SQL (the policy, the trigger function's body). */
  readonly current?: string;
  /** SQL that fixes it (or the shape of the fix, for triggers). */
  readonly fix: string;
}

const WRITES: readonly PolicyCommand[] = ['INSERT', 'UPDATE', 'DELETE', 'ALL'];
const anonymousCheck = /is_anonymous/i;
/** `col = auth.uid()`, `auth.uid() = col`, and Supabase's `( SELECT auth.uid() AS uid)` form. */
const ownerCheck = /(=\s*\(?\s*(select\s+)?auth\.uid\(\))|(auth\.uid\(\)\s*(as\s+\w+\s*)?\)?\s*=)/i;

const table = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
const roleList = (roles: readonly string[]) => roles.map((role) => (role === 'public' ? 'public' : quoteIdent(role))).join(', ');

export function policySql(policy: PolicyRow, options: { restrictive?: boolean } = {}): string {
  const as = (options.restrictive ?? !policy.permissive) ? ' as restrictive' : '';
  const using = policy.using !== null ? ` using (${policy.using})` : '';
  const check = policy.withCheck !== null ? ` with check (${policy.withCheck})` : '';
  return `create policy ${quoteIdent(policy.name)} on ${table(policy.schema, policy.table)}${as} for ${policy.command.toLowerCase()} to ${roleList(policy.roles)}${using}${check};`;
}

const reachesAuthenticated = (policy: PolicyRow) => policy.roles.includes('authenticated') || policy.roles.includes('public');
const hasAnonymousCheck = (policy: PolicyRow) => anonymousCheck.test(policy.using ?? '') || anonymousCheck.test(policy.withCheck ?? '');
const commandsOverlap = (a: PolicyCommand, b: PolicyCommand) => a === b || a === 'ALL' || b === 'ALL';
const rolesOverlap = (a: readonly string[], b: readonly string[]) => a.includes('public') || b.includes('public') || a.some((role) => b.includes(role));

/** Whether every expression that decides this policy's writes ties rows to auth.uid(). */
function ownerScoped(policy: PolicyRow): boolean {
  const check = policy.withCheck ?? policy.using;
  switch (policy.command) {
    case 'INSERT':
      return ownerCheck.test(policy.withCheck ?? '');
    case 'DELETE':
      return ownerCheck.test(policy.using ?? '');
    default:
      return ownerCheck.test(policy.using ?? '') && ownerCheck.test(check ?? '');
  }
}

const BLOCK = `(auth.jwt()->>'is_anonymous')::boolean is false`;

function blockingPolicies(policy: PolicyRow): string {
  const commands = policy.command === 'ALL' ? (['INSERT', 'UPDATE', 'DELETE'] as const) : [policy.command];
  return commands
    .map((command) => {
      const clause = command === 'INSERT' ? `with check (${BLOCK})` : command === 'DELETE' ? `using (${BLOCK})` : `using (${BLOCK}) with check (${BLOCK})`;
      const name = `Block anonymous ${command.toLowerCase()} on ${policy.table}`;
      return `create policy ${quoteIdent(name)} on ${table(policy.schema, policy.table)} as restrictive for ${command.toLowerCase()} to authenticated ${clause};`;
    })
    .join('\n');
}

export function policyFindings(policies: readonly PolicyRow[]): Finding[] {
  const findings: Finding[] = [];
  for (const policy of policies) {
    if (!policy.rlsEnabled || !policy.permissive || !reachesAuthenticated(policy)) continue;
    const sameTable = policies.filter((other) => other !== policy && other.schema === policy.schema && other.table === policy.table);

    if (WRITES.includes(policy.command) && !hasAnonymousCheck(policy) && !ownerScoped(policy)) {
      const guarded = sameTable.some(
        (other) => !other.permissive && hasAnonymousCheck(other) && commandsOverlap(other.command, policy.command) && reachesAuthenticated(other),
      );
      if (!guarded) {
        findings.push({
          kind: 'write_without_anonymous_check',
          severity: 'high',
          schema: policy.schema,
          table: policy.table,
          policy: policy.name,
          message:
            `Policy "${policy.name}" lets every authenticated user ${policy.command === 'ALL' ? 'write' : policy.command.toLowerCase()} ` +
            `${policy.schema}.${policy.table} beyond their own rows, and anonymous users are authenticated users: nothing checks is_anonymous.`,
          current: policySql(policy),
          fix: `-- If anonymous users must not do this, add a restrictive check (AND-ed with every permissive policy):\n${blockingPolicies(policy)}`,
        });
      }
    }

    if (hasAnonymousCheck(policy)) {
      const bypassing = sameTable.filter(
        (other) => other.permissive && !hasAnonymousCheck(other) && commandsOverlap(other.command, policy.command) && rolesOverlap(other.roles, policy.roles),
      );
      if (bypassing.length) {
        findings.push({
          kind: 'bypassable_anonymous_check',
          severity: 'high',
          schema: policy.schema,
          table: policy.table,
          policy: policy.name,
          message:
            `Policy "${policy.name}" checks is_anonymous but is PERMISSIVE, so it is OR-ed with ${bypassing.map((other) => `"${other.name}"`).join(', ')}: ` +
            `a row that passes ${bypassing.length > 1 ? 'one of those' : 'that policy'} passes without the anonymous check. Being permissive, it also grants on its own: ` +
            `a row that satisfies it needs no other policy (no ownership check, for instance). Make the check RESTRICTIVE (AND-ed).`,
          current: policySql(policy),
          fix: `drop policy ${quoteIdent(policy.name)} on ${table(policy.schema, policy.table)};\n${policySql(policy, { restrictive: true })}`,
        });
      }
    }
  }
  return findings;
}

export function relationFindings(relations: readonly RelationRow[]): Finding[] {
  const findings: Finding[] = [];
  for (const relation of relations) {
    if (relation.apiPrivileges.length === 0) continue;
    const privileges = relation.apiPrivileges.join(', ');
    if (relation.kind === 'table' && !relation.rlsEnabled) {
      findings.push({
        kind: 'rls_disabled',
        severity: 'high',
        schema: relation.schema,
        table: relation.name,
        message: `Table ${relation.schema}.${relation.name} is exposed by the Data API (anon/authenticated hold ${privileges}) without row-level security: every caller, anonymous users included, can ${privileges.toLowerCase()} every row.`,
        fix: `alter table ${table(relation.schema, relation.name)} enable row level security;\n-- then add policies for what anon and authenticated (anonymous users included) may do`,
      });
    }
    if (relation.kind === 'view' && !relation.securityInvoker && relation.apiPrivileges.includes('SELECT')) {
      findings.push({
        kind: 'view_bypasses_rls',
        severity: 'medium',
        schema: relation.schema,
        table: relation.name,
        message: `View ${relation.schema}.${relation.name} is readable by anon/authenticated and runs with its owner's rights, so the row-level security of the tables it reads does not apply to the caller.`,
        fix: `alter view ${table(relation.schema, relation.name)} set (security_invoker = true);`,
      });
    }
  }
  return findings;
}

/** NEW.email used with no sign of a null case (anonymous users have no email). */
const emailUse = /\bnew\s*\.\s*"?email"?\b/i;
const nullHandling = /(coalesce\s*\(\s*new\s*\.\s*"?email)|(new\s*\.\s*"?email"?\s+is\s+(not\s+)?null)|(nullif\s*\(\s*new\s*\.\s*"?email)|(new\s*\.\s*"?is_anonymous)|(is_anonymous)/i;

export function triggerFindings(triggers: readonly TriggerRow[]): Finding[] {
  return triggers
    .filter((trigger) => emailUse.test(trigger.source) && !nullHandling.test(trigger.source) && !nullHandling.test(trigger.definition))
    .map((trigger) => ({
      kind: 'trigger_assumes_email' as const,
      severity: 'high' as const,
      schema: 'auth',
      table: 'users',
      trigger: trigger.trigger,
      function: `${trigger.functionSchema}.${trigger.functionName}`,
      message:
        `Trigger "${trigger.trigger}" on auth.users runs ${trigger.functionSchema}.${trigger.functionName}(), which uses NEW.email without handling NULL: ` +
        'anonymous users have no email, so it may fail (and with it the anonymous sign-in) or store bad data.',
      current: `${trigger.definition};\n-- ${trigger.functionSchema}.${trigger.functionName}() body:\n${trigger.source.trim()}`,
      fix:
        `-- Skip users without an email at the top of ${trigger.functionSchema}.${trigger.functionName}():\n` +
        `--   if new.email is null then return new; end if;\n` +
        `-- or use coalesce(new.email, '') / a nullable column; or restrict the trigger:\n` +
        `--   create trigger ... when (new.email is not null) ...`,
    }));
}
