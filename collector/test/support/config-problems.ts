import { buildConfig, ConfigError } from '../../src/config/config.loader.js';

/** The problems buildConfig reports for a raw config ("key.path: message" lines); [] when valid. */
export function configProblems(raw: unknown): string[] {
  try {
    buildConfig(raw, {}, 'collector.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
