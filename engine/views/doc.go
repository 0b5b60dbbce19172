// Package views renders the engine's values for people and programs: a
// plan as terraform plan shows one, the -json stream, Markdown for a change
// ticket, DOT for a graph, diagnostics with their source lines, a fleet
// summary. Every string a playbook, a host or a saved document gave is
// untrusted and is escaped for the view it goes into. A view decides
// nothing: it is a function of the value it is given.
package views
