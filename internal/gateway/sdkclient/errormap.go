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

// Error is the one way an adapter turns what an SDK call returned into *gateway.Error: the
// handler's errors get their Op, the SDK's own errors and transport errors are mapped here.
// Whatever it returns reads well as a condition message and holds no credential.

package sdkclient

import (
	"errors"
	"fmt"
	"net"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/apig-operator/apig-operator/internal/gateway"
)

// Error maps what an SDK call returned to the boundary's error shape, with op (a verb phrase
// such as "list environments") as its Op. It returns nil for a nil err, so call it only on
// failure: a nil *gateway.Error in an error interface is not a nil error.
func Error(op string, err error) *gateway.Error {
	if err == nil {
		return nil
	}
	var gerr *gateway.Error
	if errors.As(err, &gerr) {
		if gerr.Op != "" {
			return gerr
		}
		// From the handler, which cannot know the operation.
		named := *gerr
		named.Op = op
		return &named
	}
	var sp *sdkerr.ServiceResponseError
	if errors.As(err, &sp) {
		return serviceError(op, *sp)
	}
	var sv sdkerr.ServiceResponseError
	if errors.As(err, &sv) {
		return serviceError(op, sv)
	}
	// Transport errors (timeouts, refused connections, TLS) keep their cause, for errors.Is
	// and As; they name the URL, never a request header.
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		// Go words a client timeout several ways; say it plainly once.
		return gateway.Transport(op, fmt.Errorf("timed out: %w", transportError{err}))
	}
	return gateway.Transport(op, transportError{err})
}

// transportError is the one wrapper left between the SDK and *gateway.Error, because no field
// of gateway.Error can hold both a bounded text and the cause: Go quotes the line of a
// malformed response header in its transport error, which can be a megabyte long, and
// fmt.Errorf's %w would repeat it whole, while callers match the cause (a timeout, a refused
// certificate) with errors.Is and As.
type transportError struct{ err error }

func (e transportError) Error() string { return clip(clean(e.err.Error()), maxMessage) }

func (e transportError) Unwrap() error { return e.err }

// serviceError maps the SDK's own error: a 2xx body it could not decode, or, from the SDK's
// default handler, an error response.
func serviceError(op string, se sdkerr.ServiceResponseError) *gateway.Error {
	ge := &gateway.Error{Op: op, HTTPStatus: se.StatusCode, RequestID: requestID(nil, se.RequestId)}
	msg := clip(clean(se.ErrorMessage), maxMessage)
	switch {
	case se.StatusCode >= 200 && se.StatusCode < 300:
		ge.Err = fmt.Errorf("malformed response body: %s", decodeProblem(msg))
	case se.ErrorCode != "":
		ge.Code, ge.Message = se.ErrorCode, msg
	case msg != "":
		ge.Err = errors.New(msg)
	}
	return ge
}
