/** A project template: which app of the TradeKit repository it is made from, and what it is for. */
export interface TemplateInfo {
  /** Name given to `--template`. */
  name: TemplateName;
  /** One line for the prompt and `--help`. */
  description: string;
  /** The app under `apps/` the template is generated from. */
  app: string;
  /** Folders of the app copied as they are (beside its package.json). */
  include: string[];
  /** Other apps the template carries as local packages (a `file:` dependency), e.g. the system under test. */
  localPackages: string[];
}

/** The names `--template` accepts. */
export type TemplateName = 'integration' | 'load' | 'backtest';

/** Every template, in prompt order. */
export const TEMPLATES: readonly TemplateInfo[] = [
  {
    name: 'integration',
    description: 'integration tests of a trading SDK against the simulated venue (vitest, real sockets)',
    app: 'integration-suite',
    include: ['src', 'test'],
    localPackages: ['sample-client'],
  },
  {
    name: 'load',
    description: 'a load test of the venue and its feed: ramp, hold, trade, thresholds, shards',
    app: 'load-suite',
    include: ['src', 'test'],
    localPackages: [],
  },
  {
    name: 'backtest',
    description: 'a strategy backtest on bundled data with an HTML report, and its parity run on the venue',
    app: 'backtest-demo',
    include: ['src', 'test', 'data'],
    localPackages: [],
  },
];

/** The template called `name`, or undefined. */
export function findTemplate(name: string): TemplateInfo | undefined {
  return TEMPLATES.find((t) => t.name === name);
}

/** The name a template's local package manifest is stored under in the published templates (scaffolding renames it to package.json). */
export const LOCAL_MANIFEST = '_package.json';
