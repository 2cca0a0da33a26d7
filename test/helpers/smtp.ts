/** A real SMTP server (smtp-server) on a free port that keeps every mail it receives, a project mailing through it, and what tests read from a mail. */
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import type { EngineName } from './engines.js';
import { createTestProject, type TestProject } from './project.js';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

export interface SmtpServer {
  readonly port: number;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<SmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The verification link of a received mail (quoted-printable soft breaks undone). */
export function verifyLinkOf(raw: string): URL {
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /https?:\/\/[^\s"<>]+\/verify\?[^\s"<>]+/.exec(text);
  assert.ok(match, 'the mail carries a verification link');
  return new URL(match[0].replace(/&amp;/g, '&'));
}

export interface MailingProject {
  readonly t: TestProject;
  readonly smtp: SmtpServer;
  /** Where the project's app listens (a free port on 127.0.0.1). */
  readonly url: string;
  close(): Promise<void>;
}

/** A project that mails through its own SMTP server and allows redirects to http://app.test/**, listening. */
export async function startMailingProject(engine: EngineName, env: Record<string, string> = {}): Promise<MailingProject> {
  const smtp = await startSmtpServer();
  const t = await createTestProject(engine, {
    GOTRUE_SMTP_HOST: '127.0.0.1',
    GOTRUE_SMTP_PORT: String(smtp.port),
    GOTRUE_SMTP_ADMIN_EMAIL: 'auth@foyer.test',
    GOTRUE_URI_ALLOW_LIST: 'http://app.test/**',
    ...env,
  });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    t,
    smtp,
    url,
    async close() {
      await t.close();
      await smtp.close();
    },
  };
}
