import type pg from 'pg';
import type { ScenarioLoaders } from '../lib/bench-server.js';
import { rawLoaders as handWrittenLoaders } from '../raw-window/loaders.js';
import * as strongest from './queries.js';

/** The scenarios over the strongest statements (prepared, array rows, LATERAL top-k). */
export const rawLoaders = (pool: pg.Pool): ScenarioLoaders => handWrittenLoaders(pool, strongest);
