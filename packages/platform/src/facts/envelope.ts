import { z } from 'zod';
import { id, isoTime } from './fields';
import type { TopicName } from './topics';

/** The JSON every Kafka message carries: consumers de-duplicate by `id`. */
export const EnvelopeSchema = z.object({
  id,
  type: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: isoTime,
  data: z.unknown(),
});
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  data: T;
}

/** One kind of fact: where it goes, what it is called, and what its data must look like. */
export interface FactDefinition<T = unknown> {
  topic: TopicName;
  type: string;
  version: number;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** The message key: facts with the same key stay in order. (A method: bivariant, so lists mix.) */
  key(data: T): string;
}

/** A definition typed by its schema, so producers and consumers see the data's own type. */
export function defineFact<
  S extends z.ZodType<unknown, z.ZodTypeDef, unknown>,
  Type extends string,
>(definition: {
  topic: TopicName;
  type: Type;
  version: number;
  schema: S;
  key: (data: z.infer<S>) => string;
}): FactDefinition<z.infer<S>> & { schema: S; type: Type } {
  return definition;
}

export type FactData<F extends { schema: z.ZodTypeAny }> = z.output<F['schema']>;

/** A fact read from Kafka, checked against its definition. */
export interface ParsedFact<T = unknown> {
  definition: FactDefinition<T>;
  envelope: EventEnvelope<T>;
}

export type FactParseResult =
  { ok: true; fact: ParsedFact } | { ok: false; reason: 'malformed' | 'unknown'; error: string };

/**
 * Reads one message of `topic` against the facts a consumer knows. `unknown` is a well-formed
 * envelope of a type (or version) this consumer does not know; `malformed` is anything else.
 */
export function parseFact(
  known: readonly FactDefinition[],
  topic: string,
  value: Buffer | string | null | undefined,
): FactParseResult {
  if (value === null || value === undefined || value.length === 0)
    return { ok: false, reason: 'malformed', error: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', error: 'not JSON' };
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success)
    return { ok: false, reason: 'malformed', error: describe(envelope.error, 'envelope') };
  const definition = known.find(
    (d) =>
      d.topic === topic && d.type === envelope.data.type && d.version === envelope.data.version,
  );
  if (!definition) {
    const wrongPlace = known.some((d) => d.type === envelope.data.type && d.topic !== topic);
    return {
      ok: false,
      reason: wrongPlace ? 'malformed' : 'unknown',
      error: `${envelope.data.type} v${envelope.data.version} is not a fact of ${topic} this service reads`,
    };
  }
  const data = definition.schema.safeParse(envelope.data.data);
  if (!data.success)
    return { ok: false, reason: 'malformed', error: describe(data.error, envelope.data.type) };
  return {
    ok: true,
    fact: { definition, envelope: { ...envelope.data, data: data.data } },
  };
}

function describe(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  return `${what}: ${issue.path.join('.') || '(root)'} ${issue.message}`;
}

/** True when `fact` is of `definition`, narrowing its data. */
export function isFact<T>(
  fact: ParsedFact,
  definition: FactDefinition<T>,
): fact is ParsedFact<T> & { envelope: EventEnvelope<T> } {
  return fact.definition === (definition as FactDefinition);
}
