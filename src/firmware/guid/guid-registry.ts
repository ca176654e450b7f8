import { MmspecError } from '../../common/errors';
import { didYouMean, suggestNames } from '../text/suggest';
import { Guid, guidFromName, isGuidText, parseGuid } from './guid';
import { WELL_KNOWN_GUIDS } from './well-known-guids';

/** A symbolic name that the registry does not know (only raised by the strict lookups). */
export class UnknownGuidNameError extends MmspecError {
  constructor(readonly guidName: string, readonly suggestions: string[]) {
    super('GUID_UNKNOWN_NAME', `unknown GUID name ${JSON.stringify(guidName)}${suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : ''}`);
  }
}

/** A name that would be re-bound to a different GUID. */
export class GuidNameConflictError extends MmspecError {
  constructor(readonly guidName: string, readonly existing: Guid, readonly requested: Guid) {
    super('GUID_NAME_CONFLICT', `GUID name ${JSON.stringify(guidName)} already means ${existing}, cannot also mean ${requested}`);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * Names ↔ GUIDs. Starts with the well-known table; a scenario or a build adds its own names with `define`
 * (each World owns its registry — there is no shared mutable instance). Lookups are case-sensitive like C
 * symbols; `suggest` offers near misses for typos.
 */
export class GuidRegistry {
  private readonly byName = new Map<string, Guid>();
  private readonly byGuid = new Map<Guid, string>();

  constructor(options: { wellKnown?: boolean } = {}) {
    if (options.wellKnown !== false) {
      for (const w of WELL_KNOWN_GUIDS) {
        this.define(w.name, w.guid);
        for (const a of w.aliases) this.define(a, w.guid);
      }
    }
  }

  /** Binds `name` to `guid` (the first name bound to a GUID is the one `nameOf` returns). */
  define(name: string, guid: Guid): this {
    const v = parseGuid(guid);
    const old = this.byName.get(name);
    if (old !== undefined && old !== v) throw new GuidNameConflictError(name, old, v);
    this.byName.set(name, v);
    if (!this.byGuid.has(v)) this.byGuid.set(v, name);
    return this;
  }

  /** The GUID bound to `name`, or undefined. */
  lookup(name: string): Guid | undefined {
    return this.byName.get(name);
  }

  /** Like lookup, but throws UnknownGuidNameError with suggestions. */
  require(name: string): Guid {
    const v = this.byName.get(name);
    if (v === undefined) throw new UnknownGuidNameError(name, this.suggest(name));
    return v;
  }

  /** The primary name of `guid`, or undefined. */
  nameOf(guid: Guid): string | undefined {
    return isGuidText(guid) ? this.byGuid.get(parseGuid(guid)) : undefined;
  }

  /** The name when known, else the registry text. */
  describe(guid: Guid): string {
    return this.nameOf(guid) ?? parseGuid(guid);
  }

  /**
   * Registry text → itself (normalised); a known name → its GUID; any other symbolic name → the deterministic
   * name-derived GUID (DESIGN.md `{guid}` parameter type).
   */
  resolve(nameOrGuid: string): Guid {
    const t = nameOrGuid.trim();
    if (isGuidText(t)) return parseGuid(t);
    return this.byName.get(t) ?? guidFromName(t);
  }

  /** True when `text` is a known name. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every bound name. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Known names close to `name` (edit distance), best first — for "did you mean" messages. */
  suggest(name: string, limit = 3): string[] {
    return suggestNames(name, this.byName.keys(), limit);
  }

  /** " (did you mean …?)" or "". */
  didYouMean(name: string): string {
    return didYouMean(name, this.byName.keys());
  }

  /** A copy that can be extended independently. */
  clone(): GuidRegistry {
    const r = new GuidRegistry({ wellKnown: false });
    for (const [n, v] of this.byName) r.byName.set(n, v);
    for (const [v, n] of this.byGuid) r.byGuid.set(v, n);
    return r;
  }

  /** True for text that may be used as a symbolic GUID name (C identifier, dots allowed). */
  static isSymbolicName(text: string): boolean {
    return NAME_RE.test(text);
  }
}

/** Looks a name up in the well-known table only (no derived GUIDs). */
export function wellKnownGuid(name: string): Guid | undefined {
  for (const w of WELL_KNOWN_GUIDS) if (w.name === name || w.aliases.includes(name)) return w.guid;
  return undefined;
}

/** The primary well-known name of a GUID, or undefined. */
export function wellKnownGuidName(guid: Guid): string | undefined {
  if (!isGuidText(guid)) return undefined;
  const v = parseGuid(guid);
  return WELL_KNOWN_GUIDS.find((w) => w.guid === v)?.name;
}
