/**
 * An anonymous visitor becomes a phone user with @supabase/supabase-js, codes sent through a Twilio
 * speaking local server: updateUser({phone}) texts the new number, verifyOtp({type: 'phone_change'})
 * makes the same user permanent, and the rows it wrote under RLS stay visible through the Data API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { decodeJwt } from '../helpers/project.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';
import { makeClient } from '../helpers/server.js';
import { codeIn, startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';

const notesSql = `
  create table public.notes (
    id bigint generated always as identity primary key,
    user_id uuid not null default auth.uid() references auth.users (id),
    body text not null
  );
  alter table public.notes enable row level security;
  grant select, insert, update, delete on public.notes to authenticated;
  create policy "Own notes" on public.notes for all to authenticated
    using (user_id = auth.uid()) with check (user_id = auth.uid());`;

for (const engine of engines) {
  describe(`anonymous → phone with supabase-js and an SMS provider (${engine})`, () => {
    let server: SmsProviderServer;
    let t: RestProject;
    before(async () => {
      server = await startSmsProviderServer();
      t = await createRestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0100',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: '+15550000100',
        FOYER_SMS_PROVIDER_URL: server.url,
      });
      await t.database.db.execScript(notesSql);
    });
    after(async () => {
      await t.close();
      await server.close();
    });

    it('keeps the user id and its rows; the phone then signs in with a password and with codes', async () => {
      const { client, id: anonymousId } = await t.anonymousUser();
      const wrote = await client.from('notes').insert({ body: 'written while anonymous' });
      assert.equal(wrote.error, null);
      assert.equal(wrote.status, 201);

      const phone = '15557770001';
      const updated = await client.auth.updateUser({ phone: `+${phone}`, password: 'correct horse battery staple' });
      assert.equal(updated.error, null);
      assert.equal(updated.data.user?.id, anonymousId);
      assert.equal(updated.data.user?.new_phone, phone);
      assert.equal(updated.data.user?.phone, '');
      assert.equal(updated.data.user?.is_anonymous, true, 'still anonymous until the number is confirmed');
      assert.equal(server.received.length, 1);
      const sms = server.received[0].form;
      assert.equal(sms.To, `+${phone}`);
      assert.equal(sms.From, '+15550000100');
      const code = codeIn(sms.Body);

      const stranger = await makeClient(t.url, t.anonKey).auth.signInWithPassword({ phone, password: 'correct horse battery staple' });
      assert.ok(stranger.error, 'the pending number signs nobody in');

      const verified = await client.auth.verifyOtp({ phone: `+${phone}`, token: code, type: 'phone_change' });
      assert.equal(verified.error, null);
      const user = verified.data.user;
      assert.equal(user?.id, anonymousId);
      assert.equal(user?.is_anonymous, false);
      assert.equal(user?.phone, phone);
      assert.ok(user?.phone_confirmed_at);
      assert.equal(user?.new_phone, undefined);
      assert.deepEqual(user?.identities?.map((identity) => identity.provider), ['phone']);
      assert.equal(user?.identities?.[0].identity_data?.phone_verified, true);
      assert.deepEqual(user?.app_metadata.providers, ['phone']);
      assert.equal(decodeJwt(verified.data.session?.access_token as string).is_anonymous, false);

      const notes = await client.from('notes').select('user_id, body');
      assert.equal(notes.error, null);
      assert.deepEqual(notes.data, [{ user_id: anonymousId, body: 'written while anonymous' }]);

      const replay = await makeClient(t.url, t.anonKey).auth.verifyOtp({ phone, token: code, type: 'phone_change' });
      assert.equal(replay.error?.code, 'otp_expired');

      const byPassword = makeClient(t.url, t.anonKey);
      const login = await byPassword.auth.signInWithPassword({ phone: `+${phone}`, password: 'correct horse battery staple' });
      assert.equal(login.error, null);
      assert.equal(login.data.user?.id, anonymousId);
      const seen = await byPassword.from('notes').select('body');
      assert.deepEqual(seen.data, [{ body: 'written while anonymous' }]);

      const converted = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from auth.audit_log_entries where payload->>'action' = 'user_converted' and payload->>'actor_id' = $1`,
        [anonymousId],
      );
      assert.equal(converted[0].n, 1, 'converted once, through the one promotion path');
    });
  });
}
