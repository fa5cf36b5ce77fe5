import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { STACK_HOST, type StackConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { logFileOf, pidFileOf, waitFor, withTimeout, type StackServer } from '../server.ts';

/** MailDev (npm): an SMTP server that keeps what it receives and serves it over a REST API. */
function maildevBin(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('maildev/package.json')), 'bin', 'maildev');
}

function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: STACK_HOST, port });
    socket.setTimeout(2000, () => socket.destroy(new Error('SMTP greeting timed out')));
    socket.once('data', (d) => {
      socket.end('QUIT\r\n');
      resolve(d.toString());
    });
    socket.once('error', reject);
  });
}

export const mail: StackServer = {
  name: 'mail',
  startTimeoutMs: 30_000,
  url: (cfg: StackConfig) =>
    `smtp://${STACK_HOST}:${cfg.mail.smtpPort} (API http://${STACK_HOST}:${cfg.mail.httpPort})`,

  async install() {
    maildevBin();
  },

  async start(cfg) {
    startDaemon({
      // process.execPath: the Node that runs this command (24), not whatever `node` PATH finds.
      command: process.execPath,
      args: [
        maildevBin(),
        '--smtp',
        String(cfg.mail.smtpPort),
        '--web',
        String(cfg.mail.httpPort),
        '--ip',
        STACK_HOST,
        '--web-ip',
        STACK_HOST,
        '--mail-directory',
        path.join(cfg.dataDir, 'mail'),
      ],
      logFile: logFileOf(cfg, 'mail'),
      pidFile: pidFileOf(cfg, 'mail'),
    });
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'mail', deadline, () => this.probe(cfg));
  },

  async probe(cfg) {
    const greeting = await smtpGreeting(cfg.mail.smtpPort);
    if (!greeting.startsWith('220'))
      throw new Error(`unexpected SMTP greeting: ${greeting.trim()}`);
    const res = await withTimeout(
      3000,
      'mail API',
      fetch(`http://${STACK_HOST}:${cfg.mail.httpPort}/email`),
    );
    if (!res.ok) throw new Error(`mail API answered ${res.status}`);
    await res.json();
  },
};
