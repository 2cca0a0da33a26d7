/** Inputs for the store's hot paths in tests: a new anonymous session, the refresh of a token. */
import { randomUUID } from 'node:crypto';
import { newRefreshToken } from '../../src/security/crypto.js';
import type { NewAnonymousSession } from '../../src/store/anonymous-sign-in.js';
import type { RefreshInput } from '../../src/store/refresh-grant.js';

export const newAnonymousSession = (overrides: Partial<NewAnonymousSession> = {}): NewAnonymousSession => ({
  userId: randomUUID(),
  sessionId: randomUUID(),
  refreshToken: newRefreshToken(),
  aud: 'authenticated',
  role: 'authenticated',
  userMetadataJson: '{}',
  userAgent: 'store-test',
  ip: '203.0.113.7',
  ...overrides,
});

/** A refresh of `token` to a new one, with GoTrue's default reuse interval and rotation on. */
export const refreshInput = (token: string): RefreshInput => ({
  token,
  newToken: newRefreshToken(),
  reuseIntervalSeconds: 10,
  rotationEnabled: true,
  timeboxSeconds: 0,
  inactivitySeconds: 0,
  userAgent: 'store-test',
  ip: '203.0.113.7',
});
