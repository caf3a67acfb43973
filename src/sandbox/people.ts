/**
 * The people `--people N` adds to every simulator's directory, for trying scale: active users who
 * can be added to projects, the same names everywhere ("Person 0001", person.0001@<the seed's
 * domain>), in a deterministic order.
 */
export interface GeneratedPerson {
  /** 1 to N; seeds number their ids from it, clear of the demo data. */
  n: number;
  firstName: string;
  lastName: string;
  /** "Person 0001" */
  name: string;
  /** "person.0001", the part of the email address before the @. */
  localPart: string;
}

export function generatedPeople(count: number): GeneratedPerson[] {
  return Array.from({ length: count }, (_, index) => {
    const n = index + 1;
    const lastName = String(n).padStart(4, '0');
    return { n, firstName: 'Person', lastName, name: `Person ${lastName}`, localPart: `person.${lastName}` };
  });
}
