/**
 * Ids of new users and sessions. Sessions are always time-ordered (UUID version 7): each new session
 * then adds to the right-most pages of the indexes that hold session ids (auth.sessions, refresh tokens,
 * authentication-method claims) instead of a random page each (docs/operations.md, "Sizing at a
 * million users"). The time it gives away is already in the token, whose `amr` claim carries the sign-in time.
 * Users get random ids (version 4) as in GoTrue unless FOYER_USER_ID_FORMAT=uuidv7: a user id is often
 * shown to others (an author column, a URL), and a time-ordered one would tell them when an anonymous
 * visitor first came, to the millisecond.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { uuidV7 } from '../security/uuid-v7.js';

export const newSessionId = (): string => uuidV7();

export const newUserId = (config: Pick<Config, 'userIdFormat'>): string => (config.userIdFormat === 'uuidv7' ? uuidV7() : randomUUID());
