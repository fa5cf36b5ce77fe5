import net from 'node:net';

/** What mysql2 hands a `stream` factory (its connection options). */
interface StreamFactoryOptions {
  readonly config: { readonly host?: string; readonly port?: number; readonly socketPath?: string };
}

/**
 * How long MariaDB may leave a statement unanswered before its connection is dropped: above
 * InnoDB's usual lock waits, well under what a GraphQL client or a Kafka session waits.
 */
export const DEFAULT_MARIADB_ANSWER_TIMEOUT_MS = 15_000;

/**
 * A mysql2 `stream` factory whose sockets are destroyed when MariaDB leaves a request unanswered
 * for `ms`. mysql2 has no deadline of its own: with the server stopped (SIGSTOP, a frozen VM, a
 * silent network) the kernel still accepts the connection and every query waits forever, holding
 * its pool connection and its caller. A deadline per statement cannot be set from MikroORM, and
 * the statement must not merely be abandoned: its transaction would stay open on the connection.
 * Destroying the socket fails the statement and everything queued behind it, the pool drops the
 * connection, and the server rolls the transaction back when it sees the connection gone.
 *
 * The clock starts at the first byte written while no answer is awaited and stops at the first
 * byte of the answer: an idle pooled connection never times out, and a statement that waits
 * longer than `ms` for a row lock fails (keep `ms` above `innodb_lock_wait_timeout` if such waits
 * are expected).
 *
 * It lives here, not in the subgraph kit, so that `@shop/messaging`'s ORM (workers, the saga
 * orchestrator) can use it too; the kit's `openServiceOrm` applies it to every subgraph's ORM.
 */
export function answerDeadlineStream(ms: number): (options: StreamFactoryOptions) => net.Socket {
  return ({ config }) => {
    const socket =
      config.socketPath !== undefined
        ? net.connect(config.socketPath)
        : net.connect(config.port ?? 3306, config.host ?? 'localhost');
    socket.setNoDelay(true);
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      timer = undefined;
    };
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (...args: unknown[]) => {
      timer ??= setTimeout(
        () => socket.destroy(new Error(`MariaDB did not answer within ${ms} ms`)),
        ms,
      );
      return write(...args);
    };
    socket.on('data', stop);
    socket.on('close', stop);
    return socket;
  };
}
