import { describe, expect, it } from 'vitest';
import { closestNames, notFound } from '../../../src/providers/shared/match.js';

const projects = ['Website Redesign', 'Mobile App', 'Internal Tools', 'Onboarding', 'Data Platform', 'Website Maintenance'].map((name, i) => ({ id: `p${i + 1}`, name }));

describe('closestNames', () => {
  it('puts names containing the text first, then the most alike, and leaves out the unlike', () => {
    expect(closestNames('website', projects).map((p) => p.name)).toEqual(['Website Redesign', 'Website Maintenance']);
    expect(closestNames('Webiste Redesgin', projects).map((p) => p.name)[0]).toBe('Website Redesign');
    expect(closestNames('Platform Data', projects).map((p) => p.name)[0]).toBe('Data Platform');
    expect(closestNames('mobile-app', projects).map((p) => p.name)).toEqual(['Mobile App']);
    expect(closestNames('Zebra', projects)).toEqual([]);
    expect(closestNames('', projects)).toEqual([]);
  });

  it('shows at most five', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: String(i), name: `Website ${i}` }));
    expect(closestNames('website', many)).toHaveLength(5);
  });
});

describe('notFound', () => {
  it('names the closest projects with their ids, and says to call again with one', () => {
    const error = notFound('project', 'Websit Redesign', 'workspace "Acme"', projects);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('No project with id or exact name "Websit Redesign" in workspace "Acme". Closest project names: "Website Redesign" (id p1).');
    expect(error.hint).toMatch(/^Call again with one of these names or ids/);
  });

  it('stays short with long names: five names of at most 80 characters', () => {
    const long = Array.from({ length: 10 }, (_, i) => ({ id: `id-${i}`.padEnd(200, 'x'), name: `Quarterly planning ${i} `.padEnd(500, 'y') }));
    const error = notFound('project', 'Quarterly planning', 'GoRules', long);
    expect(error.message.length).toBeLessThan(1000);
    expect((error.message.match(/" \(id /g) ?? []).length).toBe(5);
  });

  it('falls back to the search hint when nothing is alike', () => {
    expect(notFound('team', 'Zebra', 'Clockify', projects).hint).toBe('Use search_directory with kind "team" to find its id or exact name.');
  });
});
