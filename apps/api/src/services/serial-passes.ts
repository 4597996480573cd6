// A periodic scheduling pass that never overlaps itself, plus `exclusive` for work that must not
// interleave with a pass in this process (a create advancing its new sweep while a tick reads it).
import type { Logger } from '@nestjs/common';

export class SerialPasses {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly what: string,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** Runs `pass` every `intervalMs` (0: never), skipping a tick while the previous pass runs. */
  start(intervalMs: number, pass: () => Promise<unknown>): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(pass), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs `fn` after every pass and exclusive call queued before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn, fn);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private async tick(pass: () => Promise<unknown>): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.exclusive(pass);
    } catch (error) {
      this.logger.warn(`${this.what} failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }
}
