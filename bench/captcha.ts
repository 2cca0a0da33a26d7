/**
 * The built-in CAPTCHA's cost on the server, per anonymous sign-in that carries a solution: verifying
 * it (signature, key signature, single-use mark in memory) and issuing the challenge it solved. Measured
 * in this process on pre-solved challenges (the browser's work is not the server's); CPU time per
 * operation, median of `rounds`. The sign-in path without CAPTCHA does none of this (a property read).
 *
 *   node --import tsx bench/captcha.ts        (npm run bench prints the same line after its table)
 */
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { createAltcha } from '../src/security/captcha/altcha.js';
import { memoryClaimer } from '../src/security/single-use.js';

export interface CaptchaCost {
  /** CPU microseconds to verify one solution (what a sign-in with a token adds). */
  readonly verifyMicros: number;
  /** CPU microseconds to issue one challenge (GET /captcha/challenge: one key derivation). */
  readonly issueMicros: number;
  readonly difficulty: number;
  readonly solutions: number;
}

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function measureCaptchaCost(options: { solutions?: number; rounds?: number; difficulty?: number } = {}): Promise<CaptchaCost> {
  const solutions = options.solutions ?? 200;
  const rounds = options.rounds ?? 5;
  const difficulty = options.difficulty ?? 200;
  const altcha = createAltcha({ secret: 'bench-signing-key-0123456789abcdefghij', audience: 'http://bench/auth/v1', expirySeconds: 600 }, memoryClaimer());
  const verify: number[] = [];
  const issue: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let started = cpuMicros();
    const challenges = [];
    for (let i = 0; i < solutions; i++) challenges.push(await altcha.issue(difficulty));
    issue.push((cpuMicros() - started) / solutions);
    const payloads = [];
    for (const challenge of challenges) {
      const solution = await solveChallenge({ challenge, deriveKey });
      if (!solution) throw new Error('bench: a challenge went unsolved');
      payloads.push(Buffer.from(JSON.stringify({ challenge, solution })).toString('base64'));
    }
    started = cpuMicros();
    for (const payload of payloads) {
      const outcome = await altcha.verify(payload, difficulty);
      if (outcome.kind !== 'passed') throw new Error(`bench: a solution was refused: ${JSON.stringify(outcome)}`);
    }
    verify.push((cpuMicros() - started) / solutions);
  }
  return { verifyMicros: median(verify), issueMicros: median(issue), difficulty, solutions };
}

export const formatCaptchaCost = (cost: CaptchaCost): string =>
  `CAPTCHA (built-in, altcha): verifying a solution costs ${cost.verifyMicros.toFixed(0)} µs CPU per sign-in; issuing its challenge ${cost.issueMicros.toFixed(0)} µs (median of rounds of ${cost.solutions}; sign-ins without CAPTCHA skip both)`;

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${formatCaptchaCost(await measureCaptchaCost())}\n`);
}
