package reliability

import (
	"errors"

	"github.com/gatehouse/gatehouse/client"
)

func asError(err error, target **client.Error) bool { return errors.As(err, target) }
