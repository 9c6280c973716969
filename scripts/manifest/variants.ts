/**
 * Public, private and dev variants of the extension from one manifest. A non-public variant can be
 * installed next to the public one in the same organization, so everything the organization keys by
 * name or id must differ: the extension id, the task GUIDs and the service-endpoint type name. The
 * GUIDs are derived (UUID v5 of the public GUID and the variant name) so every build of a variant
 * gets the same ids and pipelines keep resolving them.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './checks';

export const variants = ['public', 'private', 'dev'] as const;
/** `public`: the manifest as committed; `private`/`dev`: own extension id, task GUIDs and names. */
export type Variant = (typeof variants)[number];

/** How to turn the committed manifest into the one that is packaged. */
export interface VariantSettings {
  variant: Variant;
  /** Publisher to package under (default: the manifest's). */
  publisher?: string;
  /** Extension id (default: the manifest's, suffixed with `-<variant>` for non-public variants). */
  extensionId?: string;
  /** Extra top-level manifest fields, applied last (`--override '{"public": true}'`). */
  overrides?: JsonObject;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses a variant name, listing the accepted ones when it is not one of them. */
export function parseVariant(value: string | undefined): Variant {
  const wanted = (value ?? '').trim().toLowerCase() || 'public';
  if ((variants as readonly string[]).includes(wanted)) return wanted as Variant;
  throw new Error(`Invalid variant '${value}': expected one of ${variants.join(', ')}`);
}

/**
 * A GUID for a task in a variant, derived from its public GUID as a name-based UUID (RFC 4122
 * version 5: SHA-1 over the namespace bytes then the name). The public variant keeps its GUID.
 */
export function deriveTaskId(publicId: string, variant: Variant): string {
  if (!guidPattern.test(publicId)) throw new Error(`Invalid task id '${publicId}': expected a GUID`);
  return variant === 'public' ? publicId : uuidV5(publicId, variant);
}

/** RFC 4122 name-based UUID, version 5 (SHA-1), lower-case. */
export function uuidV5(namespaceId: string, name: string): string {
  if (!guidPattern.test(namespaceId)) throw new Error(`Invalid namespace '${namespaceId}': expected a GUID`);
  const namespace = Buffer.from(namespaceId.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Appends ` (<variant>)`, shortening the base so the result stays within `limit` characters. */
export function suffixWithin(base: string, suffix: string, limit: number): string {
  if (base.length + suffix.length <= limit) return base + suffix;
  return base.slice(0, Math.max(0, limit - suffix.length)).trimEnd() + suffix;
}

const endpointContributionType = 'ms.vss-endpoint.service-endpoint-type';

function endpointContributions(manifest: JsonObject): JsonObject[] {
  const contributions = Array.isArray(manifest.contributions) ? (manifest.contributions as unknown[]) : [];
  return contributions.filter(
    (contribution): contribution is JsonObject =>
      typeof contribution === 'object' && contribution !== null && (contribution as JsonObject).type === endpointContributionType,
  );
}

/** Names of the service-endpoint types a manifest contributes (`databricks-workspace`). */
export function endpointTypeNames(manifest: JsonObject): string[] {
  return endpointContributions(manifest)
    .map((contribution) => (contribution.properties as JsonObject | undefined)?.name)
    .filter((name): name is string => typeof name === 'string');
}

/**
 * A contributed endpoint type's name in a variant. Endpoint types are keyed by name across the
 * organization, so a dev build that reused `databricks-workspace` would clash with the public one.
 */
export function variantEndpointTypeName(name: string, variant: Variant): string {
  return variant === 'public' ? name : `${name}-${variant}`;
}

/** Task inputs whose `connectedService:<type>` names one of our endpoint types, pointed at the variant's type. */
export function applyVariantToInputs(inputs: readonly JsonObject[], variant: Variant, endpointTypes: readonly string[]): JsonObject[] {
  return inputs.map((input) => {
    // The type may end in the schemes the input accepts (`connectedService:<type>:Token`); keep them.
    const service = typeof input.type === 'string' ? /^connectedService:([^:]+)(:.*)?$/.exec(input.type) : null;
    if (!service || !endpointTypes.includes(service[1])) return structuredClone(input);
    return { ...structuredClone(input), type: `connectedService:${variantEndpointTypeName(service[1], variant)}${service[2] ?? ''}` };
  });
}

/** The packaged vss-extension.json for a variant. */
export function applyVariantToManifest(manifest: JsonObject, settings: VariantSettings): JsonObject {
  const result = structuredClone(manifest);
  if (settings.variant !== 'public') {
    result.id = `${String(manifest.id)}-${settings.variant}`;
    result.name = `${String(manifest.name)} (${settings.variant})`;
    // A dev or private build must never be listed publicly by accident.
    result.public = false;
    for (const contribution of endpointContributions(result)) {
      const properties = contribution.properties as JsonObject;
      properties.name = variantEndpointTypeName(String(properties.name), settings.variant);
      if (typeof properties.displayName === 'string') properties.displayName = `${properties.displayName} (${settings.variant})`;
    }
  }
  if (settings.publisher) result.publisher = settings.publisher;
  if (settings.extensionId) result.id = settings.extensionId;
  return { ...result, ...(settings.overrides ?? {}) };
}

/**
 * A staged task.json for a variant: its own GUID, a friendlyName that says which variant it is,
 * and connection inputs that take the variant's endpoint types (`endpointTypes`: the public names
 * of the types the extension contributes).
 */
export function applyVariantToTask(task: JsonObject, variant: Variant, endpointTypes: readonly string[] = [], friendlyNameLimit = 40): JsonObject {
  if (variant === 'public') return structuredClone(task);
  const result = structuredClone(task);
  result.id = deriveTaskId(String(task.id), variant);
  if (typeof task.friendlyName === 'string') result.friendlyName = suffixWithin(task.friendlyName, ` (${variant})`, friendlyNameLimit);
  if (Array.isArray(task.inputs)) result.inputs = applyVariantToInputs(task.inputs as JsonObject[], variant, endpointTypes);
  return result;
}

/**
 * Reads the variant settings from the environment (MLOPS_VARIANT, MLOPS_PUBLISHER,
 * MLOPS_EXTENSION_ID) and command-line flags (`--variant`, `--publisher`, `--extension-id`,
 * `--override <json>`); flags win.
 */
export function resolveVariantSettings(env: Record<string, string | undefined>, argv: readonly string[]): VariantSettings {
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const match = /^--(variant|publisher|extension-id|override)(?:=(.*))?$/s.exec(argv[index]);
    if (!match) throw new Error(`Unknown argument '${argv[index]}': expected --variant, --publisher, --extension-id or --override`);
    const value = match[2] ?? argv[++index];
    if (value === undefined) throw new Error(`Missing value for --${match[1]}`);
    flags.set(match[1], value);
  }
  let overrides: JsonObject | undefined;
  const overrideText = flags.get('override');
  if (overrideText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(overrideText);
    } catch {
      throw new Error(`Invalid --override '${overrideText}': expected a JSON object`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Invalid --override '${overrideText}': expected a JSON object`);
    }
    overrides = parsed as JsonObject;
  }
  const blankToUndefined = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);
  return {
    variant: parseVariant(flags.get('variant') ?? env.MLOPS_VARIANT),
    publisher: blankToUndefined(flags.get('publisher') ?? env.MLOPS_PUBLISHER),
    extensionId: blankToUndefined(flags.get('extension-id') ?? env.MLOPS_EXTENSION_ID),
    overrides,
  };
}
