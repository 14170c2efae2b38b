/*
Copyright 2026 The apig-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package gatewaysim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The AK/SK scheme of the Huawei Cloud Go SDK (core/auth/signer/signer.go).
const (
	sdkSigningAlgorithm = "SDK-HMAC-SHA256"
	sdkDateHeader       = "X-Sdk-Date"
	sdkDateFormat       = "20060102T150405Z"
	sdkContentSHA256    = "X-Sdk-Content-Sha256"
	sdkUnsignedPayload  = "UNSIGNED-PAYLOAD"
	maxSignatureSkew    = 15 * time.Minute
)

// signatureError says why a signature was rejected; the message is safe to return to the caller
// (it never contains the secret key or the expected signature).
type signatureError struct{ reason string }

func (e *signatureError) Error() string { return e.reason }

func rejectSignature(format string, args ...any) error {
	return &signatureError{reason: fmt.Sprintf(format, args...)}
}

// verifySignature checks the SDK-HMAC-SHA256 Authorization header of r against the secret key of its access key.
// body is the request body already read by the caller. secretFor returns the secret for an access key and whether the key is known.
// now is the server's clock: X-Sdk-Date further than 15 minutes from it is rejected.
// It returns the access key on success.
func verifySignature(
	r *http.Request, body []byte, secretFor func(accessKey string) (string, bool), now time.Time,
) (accessKey string, err error) {
	accessKey, signedHeaders, signature, err := parseSDKAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	secret, ok := secretFor(accessKey)
	if !ok {
		return "", rejectSignature("unknown access key")
	}

	rawDate := r.Header.Get(sdkDateHeader)
	if rawDate == "" {
		return "", rejectSignature("missing %s header", sdkDateHeader)
	}
	date, err := time.Parse(sdkDateFormat, rawDate)
	if err != nil {
		return "", rejectSignature("%s header must have the format %s", sdkDateHeader, sdkDateFormat)
	}
	if skew := now.Sub(date); skew > maxSignatureSkew || skew < -maxSignatureSkew {
		return "", rejectSignature("%s is more than %s away from the server time", sdkDateHeader, maxSignatureSkew)
	}
	// Without the date among the signed headers a captured request could be replayed with a fresh date.
	if !slices.Contains(signedHeaders, strings.ToLower(sdkDateHeader)) {
		return "", rejectSignature("SignedHeaders must include %s", strings.ToLower(sdkDateHeader))
	}

	canonical, err := canonicalSDKRequest(r, body, signedHeaders)
	if err != nil {
		return "", err
	}
	stringToSign := sdkSigningAlgorithm + "\n" + date.UTC().Format(sdkDateFormat) + "\n" + hexSHA256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	if !hmac.Equal(mac.Sum(nil), signature) {
		return "", rejectSignature("signature does not match the request")
	}
	return accessKey, nil
}

// parseSDKAuthorization splits "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>".
func parseSDKAuthorization(header string) (accessKey string, signedHeaders []string, signature []byte, err error) {
	if header == "" {
		return "", nil, nil, rejectSignature("missing Authorization header")
	}
	rest, ok := strings.CutPrefix(header, sdkSigningAlgorithm+" ")
	if !ok {
		return "", nil, nil, rejectSignature("Authorization header must use the %s algorithm", sdkSigningAlgorithm)
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		key, value, found := strings.Cut(strings.TrimSpace(part), "=")
		if _, dup := fields[key]; !found || dup || value == "" {
			return "", nil, nil, rejectSignature("malformed Authorization header")
		}
		fields[key] = value
	}
	if len(fields) != 3 || fields["Access"] == "" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return "", nil, nil, rejectSignature("Authorization header needs exactly Access, SignedHeaders and Signature")
	}
	signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	if slices.Contains(signedHeaders, "") {
		return "", nil, nil, rejectSignature("malformed SignedHeaders")
	}
	signature, err = hex.DecodeString(fields["Signature"])
	if err != nil || len(signature) != sha256.Size {
		return "", nil, nil, rejectSignature("malformed Signature")
	}
	return fields["Access"], signedHeaders, signature, nil
}

// canonicalSDKRequest rebuilds the text the SDK hashed:
// METHOD \n URI \n query \n headers (each line ending in \n) \n signed-header-list \n payload-hash.
func canonicalSDKRequest(r *http.Request, body []byte, signedHeaders []string) (string, error) {
	uri, err := canonicalSDKURI(r.URL)
	if err != nil {
		return "", err
	}
	query, err := canonicalSDKQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}

	var headers strings.Builder
	for _, name := range signedHeaders {
		var values []string
		if strings.EqualFold(name, "host") {
			// Go's server moves the Host header out of r.Header into r.Host.
			values = []string{r.Host}
		} else {
			values = slices.Clone(r.Header.Values(name))
		}
		if len(values) == 0 {
			return "", rejectSignature("signed header %q is not present in the request", name)
		}
		slices.Sort(values)
		for _, v := range values {
			headers.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}

	// The SDK sends X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD for bodies that are neither JSON nor BSON and then
	// signs that literal instead of the body hash. Any other declared value must be the real hash.
	payloadHash := hexSHA256(body)
	if declared := r.Header.Get(sdkContentSHA256); declared != "" {
		if declared != sdkUnsignedPayload && !strings.EqualFold(declared, payloadHash) {
			return "", rejectSignature("%s does not match the request body", sdkContentSHA256)
		}
		payloadHash = declared
	}

	return strings.Join([]string{
		r.Method, uri, query, headers.String(), strings.Join(signedHeaders, ";"), payloadHash,
	}, "\n"), nil
}

// canonicalSDKURI returns the path with every segment escaped the SDK's way and a trailing slash.
// The SDK signs its unescaped path (escaping each segment itself) but net/http puts the path on the wire
// with its own, different escaping (it leaves e.g. ':' or '@' alone). So we take the segments as the
// client sent them (EscapedPath keeps an encoded "%2F" inside a segment), decode each and re-escape it.
func canonicalSDKURI(u *url.URL) (string, error) {
	segments := strings.Split(u.EscapedPath(), "/")
	for i, s := range segments {
		decoded, err := url.PathUnescape(s)
		if err != nil {
			return "", rejectSignature("malformed request path")
		}
		segments[i] = sdkEscape(decoded)
	}
	path := strings.Join(segments, "/")
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return path, nil
}

// canonicalSDKQuery returns "k=v&..." with keys and then each key's values sorted in their decoded form
// (as the SDK sorts them before escaping) and both escaped the SDK's way. A parameter sent without "="
// (the SDK drops it for empty values) is signed as "k=".
func canonicalSDKQuery(rawQuery string) (string, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", rejectSignature("malformed query string")
	}
	var pairs []string
	for _, key := range slices.Sorted(maps.Keys(values)) {
		for _, v := range slices.Sorted(slices.Values(values[key])) {
			pairs = append(pairs, sdkEscape(key)+"="+sdkEscape(v))
		}
	}
	return strings.Join(pairs, "&"), nil
}

// sdkEscape percent-encodes every byte except A-Z a-z 0-9 - _ . ~ with upper-case hex (space becomes %20, not +).
func sdkEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
