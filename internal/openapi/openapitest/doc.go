// Package openapitest is test support: it holds a server to the OpenAPI
// document of package openapi. Only tests import it, which keeps its JSON
// Schema library out of the server binary.
//
// It offers JSON Schema 2020-12 validation against the document's schemas
// (Validate, on github.com/santhosh-tekuri/jsonschema/v6), a route-table
// cross-check (CheckRoutes) and a lookup of the schema, media type and
// security a real response or route must match (ResponseSchema,
// ResponseMediaType, OperationSecurity). Its own tests hold the document to
// itself and to the wire types in apitype.
package openapitest
