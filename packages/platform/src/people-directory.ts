import { z } from 'zod';
import { DomainError } from './errors';
import { postJson, type HttpAnswer } from './http-client';
import { readServiceList } from './service-list';

/**
 * Where the users service tells an organizer's service who some buyers are (internal network
 * only, like the session check): names and e-mails, a batch of ids per request.
 */
export const PEOPLE_PATH = '/internal/people';

/** Ids per request: a page of attendees is at most 100, an export asks in batches of this. */
export const MAX_PEOPLE_PER_REQUEST = 1_000;

export const peopleRequestSchema = z.object({
  ids: z.array(z.string().uuid()).max(MAX_PEOPLE_PER_REQUEST),
  /** When given, only those of `ids` whose name or e-mail contains it (any case). */
  search: z.string().min(1).max(200).optional(),
});
export type PeopleRequest = z.infer<typeof peopleRequestSchema>;

export const personSchema = z.object({ id: z.string(), name: z.string(), email: z.string() });
export type Person = z.infer<typeof personSchema>;
const peopleAnswerSchema = z.object({ people: z.array(personSchema) });

/**
 * Asks the users service (its instances from the service list) for people by id, a batch per
 * request. The caller's token goes along: users answers organizers only. Whether the organizer
 * may see these people (they bought tickets for the organizer's event) is the caller's check.
 */
export class PeopleDirectory {
  private next = 0;

  constructor(
    private readonly instances: () => string[],
    private readonly timeoutMs = 5_000,
  ) {}

  static fromServiceList(path: string): PeopleDirectory {
    const users = readServiceList(path).subgraphs.find((s) => s.name === 'users');
    return new PeopleDirectory(() => users?.instances ?? []);
  }

  /** The people among `ids` (matching `search` when given), in batches; unknown ids are left out. */
  async find(
    ids: readonly string[],
    authorization: string | undefined,
    search?: string,
  ): Promise<Map<string, Person>> {
    const found = new Map<string, Person>();
    const unique = [...new Set(ids)];
    for (let at = 0; at < unique.length; at += MAX_PEOPLE_PER_REQUEST) {
      const request: PeopleRequest = {
        ids: unique.slice(at, at + MAX_PEOPLE_PER_REQUEST),
        ...(search ? { search } : {}),
      };
      for (const person of await this.ask(request, authorization)) found.set(person.id, person);
    }
    return found;
  }

  private async ask(request: PeopleRequest, authorization: string | undefined): Promise<Person[]> {
    const instances = this.instances();
    for (let attempt = 0; attempt < instances.length; attempt++) {
      const url = new URL(PEOPLE_PATH, instances[this.next++ % instances.length]);
      let response: HttpAnswer;
      try {
        response = await postJson(url, request, {
          headers: authorization ? { authorization } : {},
          timeoutMs: this.timeoutMs,
        });
      } catch {
        continue;
      }
      if (response.status === 401 || response.status === 403)
        throw new DomainError('FORBIDDEN', 'Only organizers can see who bought tickets.');
      const parsed = peopleAnswerSchema.safeParse(await response.json().catch(() => undefined));
      if (response.ok && parsed.success) return parsed.data.people;
    }
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      "Buyers' names cannot be looked up right now; try again shortly.",
    );
  }
}
