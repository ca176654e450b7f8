import type { FfsFile } from '../../firmware/fv';
import { GuidRegistry, type Guid } from '../../firmware/guid';
import { buildDriverFile, type Action, type DriverFileSpec, type HandlerSpec } from '../driver';
import { closeWords } from '../driver/close-words';
import { ScenarioError } from './scenario-errors';

/** One row of "the firmware volume holds the MM drivers:" (DESIGN.md). */
export interface DriverRow {
  name: string;
  /** DEPEX text; '' → no MM_DEPEX section. */
  depex: string;
  type?: string;
  guid?: string;
  /** Space-separated protocol names or GUIDs installed by the entry point. */
  installs?: string;
}

interface DeclaredDriver {
  spec: DriverFileSpec;
  entry: Action[];
  handlers: HandlerSpec[];
}

/**
 * The scenario's own MM drivers, in FV order (after the platform's): declared by the drivers table or implicitly
 * by "the MM driver X handles MMI …" (depex TRUE), each compiled to a PE32+ image in an FFS file at boot.
 */
export class ScenarioDrivers {
  private readonly drivers = new Map<string, DeclaredDriver>();
  readonly registry = new GuidRegistry();

  constructor(private readonly platformDrivers: readonly string[]) {}

  declare(row: DriverRow): void {
    if (this.drivers.has(row.name)) throw new ScenarioError('SCENARIO_DUPLICATE_DRIVER', `the MM driver "${row.name}" is listed twice`);
    const guid = row.guid && row.guid.trim() !== '' ? this.registry.resolve(row.guid.trim()) : this.registry.resolve(row.name);
    const installs = (row.installs ?? '').split(/\s+/).filter((w) => w !== '').map((w) => this.registry.resolve(w));
    this.drivers.set(row.name, { spec: { name: row.name, guid, depex: row.depex, ...(row.type ? { type: row.type } : {}), installs }, entry: [], handlers: [] });
  }

  /** The driver named `name`, created with depex TRUE when `create` and it was not declared. */
  private driver(name: string, create: boolean): DeclaredDriver {
    const d = this.drivers.get(name);
    if (d !== undefined) return d;
    if (!create) throw new ScenarioError('SCENARIO_UNKNOWN_DRIVER', `unknown MM driver "${name}"${this.suggest(name)}`);
    this.declare({ name, depex: 'TRUE' });
    return this.drivers.get(name)!;
  }

  runsOnEntry(name: string, actions: Action[]): void {
    this.driver(name, true).entry.push(...actions);
  }

  handlesMmi(name: string, guid: Guid | null, actions: Action[]): void {
    this.driver(name, true).handlers.push({ guid, actions });
  }

  /** Every driver name the scenario can talk about (its own and the platform's). */
  names(): string[] {
    return [...this.platformDrivers, ...this.drivers.keys()];
  }

  guidOf(name: string): Guid {
    const d = this.drivers.get(name);
    if (d) return d.spec.guid;
    if (this.platformDrivers.includes(name)) return this.registry.resolve(name);
    throw new ScenarioError('SCENARIO_UNKNOWN_DRIVER', `unknown MM driver "${name}"${this.suggest(name)}`);
  }

  suggest(name: string): string {
    const close = closeWords(name, this.names());
    return close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : `; known drivers: ${this.names().join(', ')}`;
  }

  files(): FfsFile[] {
    return [...this.drivers.values()].map((d) => buildDriverFile({
      ...d.spec, entry: d.entry, handlers: d.handlers, resolve: (n: string) => this.registry.resolve(n),
    }));
  }
}
