/**
 * rate-limiter-flexible, file by file. Its package root loads every store it supports (Mongo, DynamoDB,
 * Prisma, etcd, …: about 8 MB of memory an idle server kept for nothing); Foyer's limiters need only the
 * files below, and the Redis limiter only when REDIS is the store. The package has no `exports` map and
 * each of these files exports its class as `module.exports`.
 */
import { createRequire } from 'node:module';
import type * as Flexible from 'rate-limiter-flexible';

const require = createRequire(import.meta.url);

export type RateLimiterRes = Flexible.RateLimiterRes;
export const RateLimiterRes = require('rate-limiter-flexible/lib/RateLimiterRes') as typeof Flexible.RateLimiterRes;

/** The base class of a store: what the database and in-memory stores extend. */
export const RateLimiterStoreAbstract = require('rate-limiter-flexible/lib/RateLimiterStoreAbstract') as typeof Flexible.RateLimiterStoreAbstract;

/** Loaded when the store is Redis. */
export const loadRateLimiterRedis = (): typeof Flexible.RateLimiterRedis =>
  require('rate-limiter-flexible/lib/RateLimiterRedis') as typeof Flexible.RateLimiterRedis;
