package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

// maxAPIBody bounds what the portal reads back from an in-process API call.
const maxAPIBody = 1 << 20

// apiResponse is the outcome of one in-process API call.
type apiResponse struct {
	Status     int
	Header     http.Header
	Body       []byte
	Detail     []apitype.ValidationError // 422 detail items, when present
	Reason     string                    // 401 invalid_token reason, when present
	RetryAfter time.Duration             // 429 Retry-After
}

// errorBody is the union of the API's error envelopes the portal reads.
type errorBody struct {
	Error  string          `json:"error"`
	Detail json.RawMessage `json:"detail"`
	Reason string          `json:"reason"`
}

// call sends method path to the API in-process with the customer's bearer
// token (if any) and a JSON body (if in is non-nil), carrying the browser
// request's address, forwarding header and user agent so the API's rate
// limits and usage records see the real client. A 2xx body is decoded into
// out when out is non-nil.
func (h *Handler) call(ctx context.Context, orig *http.Request, method, path, bearer string, in, out any) (*apiResponse, error) {
	var body io.Reader
	var n int64
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body, n = bytes.NewReader(b), int64(len(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return nil, fmt.Errorf("new request %s %s: %w", method, path, err)
	}
	req.RemoteAddr = orig.RemoteAddr
	req.Host = orig.Host
	req.TLS = orig.TLS
	if in != nil {
		req.ContentLength = n
		req.Header.Set("Content-Length", strconv.FormatInt(n, 10))
		req.Header.Set("Content-Type", "application/json")
	} else if method == http.MethodPost || method == http.MethodPatch {
		req.Header.Set("Content-Length", "0")
	}
	req.Header.Set("Accept", "application/json")
	for _, k := range []string{"X-Forwarded-For", "X-Real-Ip", "User-Agent"} {
		if v := orig.Header.Values(k); len(v) > 0 {
			req.Header[k] = v
		}
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := newRecorder()
	h.api.ServeHTTP(rec, req)
	res := &apiResponse{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}
	if err := res.parse(out); err != nil {
		return res, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return res, nil
}

// parse fills the error fields of a non-2xx answer, or decodes a 2xx body.
func (res *apiResponse) parse(out any) error {
	if res.Status >= 200 && res.Status < 300 {
		if out == nil || res.Status == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(res.Body, out); err != nil {
			return fmt.Errorf("decode %d answer: %w", res.Status, err)
		}
		return nil
	}
	if res.Status == http.StatusTooManyRequests {
		res.RetryAfter = retryAfter(res.Header.Get("Retry-After"))
		return nil
	}
	var e errorBody
	if len(res.Body) == 0 || json.Unmarshal(res.Body, &e) != nil {
		return nil
	}
	res.Reason = e.Reason
	if len(e.Detail) > 0 && e.Detail[0] == '[' {
		_ = json.Unmarshal(e.Detail, &res.Detail)
	}
	return nil
}

// retryAfter reads a Retry-After header in seconds (or as an HTTP date);
// anything unreadable counts as 15 minutes, the API's block length.
func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 15 * time.Minute
}

// minutesUntil rounds d up to whole minutes, at least one.
func minutesUntil(d time.Duration) int {
	m := int(math.Ceil(d.Minutes()))
	return max(m, 1)
}

// portalPath returns /v1/customer-portal/<rest> with the segments escaped.
func portalPath(segments ...string) string {
	p := "/v1/customer-portal"
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// recorder is a minimal in-memory http.ResponseWriter.
type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	r.wroteHeader, r.status = true, code
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	if r.body.Len()+len(b) > maxAPIBody {
		return 0, fmt.Errorf("api answer larger than %d bytes", maxAPIBody)
	}
	return r.body.Write(b)
}
