/**
 * What runs alongside each served project (its background jobs): started for every project served
 * while a starter is attached, one per project, and stopped before the project closes.
 */
import type { ServedProject } from './types.js';

export interface ProjectCompanion {
  stop(): Promise<void>;
}

export type CompanionStarter = (project: ServedProject) => ProjectCompanion;

export class Companions {
  readonly #running = new Map<string, ProjectCompanion>();
  #starter: CompanionStarter | undefined;
  #ended = false;

  /** From now on, `start` runs for each project passed to `serving` (and for `now`, served already). */
  attach(start: CompanionStarter, now: readonly ServedProject[]): void {
    if (this.#ended) return;
    this.#starter = start;
    for (const project of now) this.serving(project);
  }

  /** A project is served: its companion starts (once), when a starter is attached. */
  serving(project: ServedProject): void {
    const start = this.#starter;
    if (!start || this.#ended || this.#running.has(project.record.ref)) return;
    this.#running.set(project.record.ref, start(project));
  }

  /** Stops the companion of `ref`, if it has one. */
  async stop(ref: string): Promise<void> {
    const companion = this.#running.get(ref);
    this.#running.delete(ref);
    await companion?.stop().catch(() => {});
  }

  /** Stops every companion; with `end`, none starts afterwards even if a starter is attached again. */
  async detach(options: { end?: boolean } = {}): Promise<void> {
    this.#starter = undefined;
    if (options.end) this.#ended = true;
    const running = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(running.map((companion) => companion.stop().catch(() => {})));
  }
}
