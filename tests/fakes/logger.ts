/** A logger that keeps every line with its level. */
import type { Logger } from '../../tasks/common/ports';

export type LogLevel = 'debug' | 'info' | 'warn';

/** Records log lines by level; pass it where the code under test takes a Logger. */
export class RecordingLogger implements Logger {
  readonly lines: { level: LogLevel; message: string }[] = [];

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }

  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }

  /** The messages of one level, or of all levels, in order. */
  messages(level?: LogLevel): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }
}
