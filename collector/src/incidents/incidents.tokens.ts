/** The validated `incidents` settings section (defaults applied). */
export const INCIDENTS_SETTINGS = Symbol('IncidentsSettings');
