/** One call in the demo: what a newcomer should notice, and the tool call an agent would make. */
export interface DemoStep {
  say: string;
  tool: string;
  args: Record<string, unknown>;
}

/** A provider's part of the demo. It must leave `project`'s membership as it found it. */
export interface DemoScript {
  provider: string;
  title: string;
  /** The project whose membership is shown before and after, and must end as it started. */
  project: string;
  steps: DemoStep[];
}
