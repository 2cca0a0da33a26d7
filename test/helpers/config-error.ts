/** The message of the ConfigError that loadConfig throws for `env`; fails the test when it loads. */
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.js';

export function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}
