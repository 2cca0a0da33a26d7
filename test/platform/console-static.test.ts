import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.js';

const INDEX = '<!doctype html><title>console</title><div id="app"></div>';
const SCRIPT = 'console.log("the console");\n'.repeat(20);

/** A console build as vite writes it: index.html and hashed assets, plus files that must stay private. */
function builtConsole(): string {
  const parent = mkdtempSync(join(tmpdir(), 'foyer-console-'));
  const dir = join(parent, 'dist');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-3f2a.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'index-3f2a.css'), 'body { margin: 0 }');
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  writeFileSync(join(parent, 'outside.txt'), 'not the console');
  return dir;
}

for (const engine of engines) {
  describe(`the built console's files (${engine})`, () => {
    let t: TestPlatform;
    let dir: string;
    before(async () => {
      dir = builtConsole();
      t = await createTestPlatform(engine, {}, { consoleDir: dir });
    });
    after(async () => {
      await t.close();
      rmSync(join(dir, '..'), { recursive: true, force: true });
    });

    it('serves index.html for /console and every client-side route, never cached', async () => {
      for (const url of ['/console', '/console/', '/console/projects/abc/users']) {
        const page = await t.front.inject({ url });
        assert.equal(page.statusCode, 200, url);
        assert.equal(page.body, INDEX, url);
        assert.match(String(page.headers['content-type']), /^text\/html/, url);
        assert.equal(page.headers['cache-control'], 'no-cache', url);
        assert.equal(page.headers['x-frame-options'], 'DENY', url);
      }
    });

    it('serves hashed assets with their type, cached for a year', async () => {
      const script = await t.front.inject({ url: '/console/assets/index-3f2a.js' });
      assert.equal(script.statusCode, 200);
      assert.equal(script.body, SCRIPT);
      assert.match(String(script.headers['content-type']), /^(application|text)\/javascript/);
      assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(Number(script.headers['content-length']), Buffer.byteLength(SCRIPT));
      const style = await t.front.inject({ url: '/console/assets/index-3f2a.css' });
      assert.match(String(style.headers['content-type']), /^text\/css/);
      const head = await t.front.inject({ method: 'HEAD', url: '/console/assets/index-3f2a.js' });
      assert.equal(head.statusCode, 200);
      assert.equal(head.body, '');
    });

    it('answers a repeat visit with 304 and a range with 206', async () => {
      const first = await t.front.inject({ url: '/console/assets/index-3f2a.js' });
      const etag = String(first.headers.etag);
      assert.ok(etag.length > 2, 'an ETag');
      const again = await t.front.inject({ url: '/console/assets/index-3f2a.js', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const part = await t.front.inject({ url: '/console/assets/index-3f2a.js', headers: { range: 'bytes=0-6' } });
      assert.equal(part.statusCode, 206);
      assert.equal(part.body, 'console');
      const beyond = await t.front.inject({ url: '/console/assets/index-3f2a.js', headers: { range: 'bytes=99999-' } });
      assert.equal(beyond.statusCode, 416);
      assert.equal(beyond.headers['cache-control'], 'no-store');
    });

    it('answers 404 for a missing asset, and never serves dotfiles or files outside the build', async () => {
      const missing = await t.front.inject({ url: '/console/assets/gone-0000.js' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.body, 'Not Found');
      for (const url of ['/console/.env', '/console/../outside.txt', '/console/%2e%2e/outside.txt', '/console/assets/..%2f..%2foutside.txt']) {
        const response = await t.front.inject({ url });
        assert.ok(!response.body.includes('SECRET') && !response.body.includes('not the console'), `${url} -> ${response.statusCode} ${response.body.slice(0, 80)}`);
      }
    });
  });
}
