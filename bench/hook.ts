/**
 * The custom access token hook the bench measures: a SQL function in the bench database, of the kind
 * GoTrue's documentation shows (a role-like claim read from the user's app metadata, one claim added),
 * so the measured cost is the hook call itself — a statement inside the sign-in's transaction — and
 * not a heavy function.
 */
import { query } from './databases.js';

const FUNCTION = 'public.foyer_bench_access_token_hook';

/** Creates the function and answers the variables that turn the hook on. */
export async function customAccessTokenHook(databaseUrl: string): Promise<Record<string, string>> {
  await query(
    databaseUrl,
    `create or replace function ${FUNCTION}(event jsonb) returns jsonb language plpgsql stable as $$
       declare claims jsonb := event -> 'claims';
       begin
         claims := jsonb_set(claims, '{user_tier}', to_jsonb(coalesce(event #>> '{claims,app_metadata,tier}', 'free')));
         return jsonb_build_object('claims', claims);
       end $$;`,
  );
  return {
    GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'true',
    GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: `pg-functions://postgres/public/foyer_bench_access_token_hook`,
  };
}
