/**
 * /admin/sso/providers with GoTrue's shapes, validation and update rules, on both engines: create (201),
 * list (no metadata_xml; resource_id filters), get by id or resource_<id>, update (domains kept when
 * absent, [] removes them; entity id must stay), delete; refused inputs and a non-admin caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';
import { samlPrivateKeyValue, TestIdp } from '../helpers/saml-idp.js';

for (const engine of engines) {
  describe(`/admin/sso/providers (${engine})`, () => {
    let t: TestProject;
    let headers: Record<string, string>;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: samlPrivateKeyValue() });
      headers = { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` };
    });
    after(async () => {
      await t?.close();
    });

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url: `/auth/v1/admin/sso/providers${url}`, headers, payload: payload as Record<string, unknown> | undefined });

    it('creates, lists, reads, updates and deletes a provider', async () => {
      const idp = new TestIdp();
      const mapping = { keys: { email: { name: 'mail' }, roles: { names: ['role', 'groups'], array: true } } };
      const created = await call('POST', '', { type: 'saml', metadata_xml: idp.metadataXml(), domains: ['acme.test', 'acme.example'], attribute_mapping: mapping, resource_id: 'acme', name_id_format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' });
      assert.equal(created.statusCode, 201, created.body);
      const provider = created.json();
      assert.match(provider.id, /^[0-9a-f-]{36}$/);
      assert.equal(provider.resource_id, 'acme');
      assert.equal(provider.disabled, null);
      assert.equal(provider.saml.entity_id, idp.entityId);
      assert.equal(provider.saml.metadata_xml, idp.metadataXml());
      assert.deepEqual(provider.saml.attribute_mapping, mapping);
      assert.equal(provider.saml.name_id_format, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      assert.deepEqual(provider.domains.map((d: { domain: string }) => d.domain).sort(), ['acme.example', 'acme.test']);
      assert.ok(provider.created_at && provider.updated_at);

      const list = (await call('GET', '')).json();
      const listed = list.items.find((item: { id: string }) => item.id === provider.id);
      assert.equal(listed.saml.metadata_xml, undefined, 'the list leaves metadata_xml out');
      assert.equal((await call('GET', '?resource_id=acme')).json().items.length, 1);
      assert.equal((await call('GET', '?resource_id_prefix=ac')).json().items.length, 1);
      assert.equal((await call('GET', '?resource_id=other')).json().items.length, 0);

      assert.equal((await call('GET', `/${provider.id}`)).json().saml.entity_id, idp.entityId);
      assert.equal((await call('GET', '/resource_acme')).json().id, provider.id);

      const kept = await call('PUT', `/${provider.id}`, { disabled: true });
      assert.equal(kept.statusCode, 200, kept.body);
      assert.equal(kept.json().disabled, true);
      assert.equal(kept.json().domains.length, 2, 'absent domains are kept');
      assert.equal(kept.json().saml.name_id_format, undefined, "an absent name_id_format clears it (GoTrue's rule)");
      assert.deepEqual(kept.json().saml.attribute_mapping, mapping, 'a mapping without keys in the request is kept');

      const changed = await call('PUT', `/${provider.id}`, { domains: ['acme.test', 'new.test'], attribute_mapping: { keys: { name: { name: 'cn' } } }, metadata_xml: idp.metadataXml(), resource_id: '' });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json().domains.map((d: { domain: string }) => d.domain).sort(), ['acme.test', 'new.test']);
      assert.deepEqual(changed.json().saml.attribute_mapping, { keys: { name: { name: 'cn' } } });
      assert.equal(changed.json().resource_id, undefined);
      assert.deepEqual((await call('PUT', `/${provider.id}`, { domains: [] })).json().domains, []);

      const other = new TestIdp();
      const mismatch = await call('PUT', `/${provider.id}`, { metadata_xml: other.metadataXml() });
      assert.equal(mismatch.statusCode, 400);
      assert.equal(mismatch.json().code, 'saml_entity_id_mismatch');

      const deleted = await call('DELETE', `/${provider.id}`);
      assert.equal(deleted.statusCode, 200);
      assert.equal(deleted.json().id, provider.id);
      const gone = await call('GET', `/${provider.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().code, 'sso_provider_not_found');
    });

    it('refuses what GoTrue refuses', async () => {
      const idp = new TestIdp();
      const expect = async (payload: Record<string, unknown>, status: number, code: string, message?: RegExp) => {
        const response = await call('POST', '', payload);
        assert.equal(response.statusCode, status, `${JSON.stringify(payload).slice(0, 80)}: ${response.body}`);
        assert.equal(response.json().code, code);
        if (message) assert.match(response.json().msg ?? response.json().message, message);
      };
      await expect({ type: 'oidc', metadata_xml: idp.metadataXml() }, 400, 'validation_failed', /Only 'saml' supported/);
      await expect({ type: 'saml' }, 400, 'validation_failed', /Either metadata_xml or metadata_url must be set/);
      await expect({ type: 'saml', metadata_xml: idp.metadataXml(), metadata_url: 'https://idp.test/m' }, 400, 'validation_failed', /Only one of/);
      await expect({ type: 'saml', metadata_url: 'http://idp.test/metadata' }, 400, 'validation_failed', /not a HTTPS URL/);
      await expect({ type: 'saml', metadata_url: 'nonsense' }, 400, 'validation_failed', /not a valid URL/);
      await expect({ type: 'saml', metadata_xml: idp.metadataXml(), name_id_format: 'urn:bogus' }, 400, 'validation_failed', /name_id_format/);
      await expect({ type: 'saml', metadata_xml: '<not xml' }, 400, 'validation_failed', /not valid XML/);
      await expect({ type: 'saml', metadata_xml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>' }, 400, 'validation_failed', /IDPSSODescriptor/);
      await expect({ type: 'saml', metadata_xml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><IDPSSODescriptor/></EntityDescriptor>' }, 400, 'validation_failed', /EntityID/);
      await expect({ type: 'saml', metadata_xml: idp.metadataXml(), attribute_mapping: { keys: { email: { name: 5 } } } }, 400, 'validation_failed', /attribute_mapping/);

      const first = await call('POST', '', { type: 'saml', metadata_xml: idp.metadataXml(), domains: ['taken.test'] });
      assert.equal(first.statusCode, 201);
      await expect({ type: 'saml', metadata_xml: idp.metadataXml() }, 422, 'saml_idp_already_exists');
      await expect({ type: 'saml', metadata_xml: new TestIdp().metadataXml(), domains: ['TAKEN.test'] }, 400, 'sso_domain_already_exists');

      assert.equal((await call('GET', '/not-a-uuid')).json().code, 'sso_provider_not_found');
      assert.equal((await call('GET', '/resource_nothing')).statusCode, 404);

      const user = await signUpAnonymously(t.app);
      const forbidden = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/sso/providers', headers: { ...versionHeaders, authorization: `Bearer ${user.access_token}` } });
      assert.equal(forbidden.statusCode, 403);
    });
  });
}
