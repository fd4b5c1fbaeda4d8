// Set methods of Node 22 (union, intersection, ...) for Node 20, which the
// gitlab-ci-local bundle calls although its package says node >= 18.
// Loaded with `node --import`.
for (const [name, fn] of Object.entries({
	union(o) { const r = new Set(this); for (const v of o) r.add(v); return r; },
	intersection(o) { const s = new Set(o); return new Set([...this].filter((v) => s.has(v))); },
	difference(o) { const s = new Set(o); return new Set([...this].filter((v) => !s.has(v))); },
	symmetricDifference(o) { const s = new Set(o); const r = new Set([...this].filter((v) => !s.has(v))); for (const v of s) if (!this.has(v)) r.add(v); return r; },
	isSubsetOf(o) { const s = new Set(o); return [...this].every((v) => s.has(v)); },
	isSupersetOf(o) { return [...o].every((v) => this.has(v)); },
	isDisjointFrom(o) { return [...o].every((v) => !this.has(v)); },
}))
	if (!Set.prototype[name]) Object.defineProperty(Set.prototype, name, { value: fn, writable: true, configurable: true });
