/**
 * User-facing messages live in each task.json's `messages`, where the agent's localization expects
 * them; tasks format them through this one function instead of inlining strings.
 */

/** A formatter over a task's `messages`: `%s` placeholders are filled in order. */
export type MessageFormatter<Key extends string> = (key: Key, ...args: Array<string | number>) => string;

/** Builds the formatter for a task's `messages` (import task.json and pass its `messages`). */
export function createMessages<Messages extends Record<string, string>>(messages: Messages): MessageFormatter<Extract<keyof Messages, string>> {
  return (key, ...args) => {
    const template = messages[key];
    if (template === undefined) throw new Error(`task.json has no message '${key}'`);
    let index = 0;
    return template.replace(/%s/g, () => String(args[index++] ?? ''));
  };
}
