import type { DirectoryEntry, DirectoryPage, MemberInfo } from '../../core/types.js';

/** What list_project_members shows of a member: the name and email where known, the provider's own level as role. */
export function memberInfo(
  userId: string,
  person: { name?: string | undefined; email?: string | undefined } | undefined,
  role: string | undefined,
): MemberInfo {
  const info: MemberInfo = { userId };
  if (person?.name) info.name = person.name;
  if (person?.email) info.email = person.email;
  if (role) info.role = role;
  return info;
}

/** A user, team or project as a search_directory entry: email only when there is one. */
export function directoryEntry(item: { id: string; name: string; email?: string | undefined }): DirectoryEntry {
  return item.email ? { id: item.id, name: item.name, email: item.email } : { id: item.id, name: item.name };
}

/** The first `limit` entries; truncated when more matched, or when the provider said it has more (`more`). */
export function directoryPage(entries: DirectoryEntry[], limit: number, more = false): DirectoryPage {
  return { entries: entries.slice(0, limit), truncated: more || entries.length > limit };
}
