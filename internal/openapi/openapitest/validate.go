package openapitest

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// documentURL names the document as a JSON Schema resource, so that its
// "#/components/schemas/..." references resolve inside it. Nothing is
// fetched from it: the compiler's loader refuses every URL.
const documentURL = "https://gatehouse.invalid/openapi.json"

// embedded compiles the schemas of the embedded document.
var embedded = sync.OnceValues(func() (*schemas, error) { return newSchemas(openapi.Document()) })

// Validate checks body, one JSON value, against the schema schemaRef of the
// embedded document. It returns nil or an error listing every problem with
// its place in body as a JSON pointer ("at '/customer/id': ..."); errors.As
// gives the *jsonschema.ValidationError. schemaRef is a JSON pointer into
// the document ("#/components/schemas/Customer", or any pointer
// ResponseSchema returns) or a bare component name ("Customer").
//
// Schemas are JSON Schema 2020-12, OpenAPI 3.1's dialect, checked by
// github.com/santhosh-tekuri/jsonschema/v6 with format assertions on: the
// document's formats date-time (RFC 3339 with an offset), uuid and uri
// (absolute) are checked, not just annotated. The package's tests make sure
// the document uses no keyword the library would ignore.
func Validate(schemaRef string, body []byte) error {
	s, err := embedded()
	if err != nil {
		return fmt.Errorf("embedded openapi document: %w", err)
	}
	return s.validate(schemaRef, body)
}

// ValidateDocument is Validate against doc instead of the embedded document.
func ValidateDocument(doc []byte, schemaRef string, body []byte) error {
	s, err := newSchemas(doc)
	if err != nil {
		return fmt.Errorf("openapi document: %w", err)
	}
	return s.validate(schemaRef, body)
}

// localOnly is the compiler's loader: it refuses every URL, so a $ref may
// point only into the document itself.
type localOnly struct{}

func (localOnly) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is outside the document: only local references (#/...) resolve", url)
}

// schemas compiles the schemas of one document on first use. A compiled
// schema is safe for concurrent validation; the compiler is not, hence mu.
type schemas struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

func newSchemas(doc []byte) (*schemas, error) {
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(localOnly{})
	if err := c.AddResource(documentURL, root); err != nil {
		return nil, err
	}
	return &schemas{compiler: c, compiled: map[string]*jsonschema.Schema{}}, nil
}

func (s *schemas) validate(schemaRef string, body []byte) error {
	sch, err := s.schema(schemaRef)
	if err != nil {
		return err
	}
	val, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return sch.Validate(val)
}

// schema compiles (once) the schema ref points to.
func (s *schemas) schema(ref string) (*jsonschema.Schema, error) {
	if ref == "" {
		return nil, errors.New("empty schema reference")
	}
	if !strings.HasPrefix(ref, "#") {
		ref = "#/components/schemas/" + ref
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[ref]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(documentURL + ref)
	if err != nil {
		return nil, fmt.Errorf("schema reference %q: %w", ref, err)
	}
	s.compiled[ref] = sch
	return sch, nil
}
