import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for command output).
 * Secrets are redacted by path: any field named token, password, secret, authorization or a Redis URL.
 */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      base: { component: options.name },
      redact: {
        paths: [
          "token",
          "*.token",
          "password",
          "*.password",
          "secret",
          "*.secret",
          "authorization",
          "*.authorization",
          "headers.authorization",
          "redisUrl",
          "*.redisUrl",
        ],
        censor: "[redacted]",
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** Removes the password from a redis:// or rediss:// URL so that it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}
