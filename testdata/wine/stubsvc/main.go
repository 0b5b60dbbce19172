// Command stubsvc is a Windows service that does nothing but run until it is
// told to stop. Wine lacks most of Windows' services; tests register this one
// under names of their own (sc create) to have real services with
// dependencies between them.
package main

import (
	"log"

	"golang.org/x/sys/windows/svc"
)

type stub struct{}

func (stub) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for c := range req {
		switch c.Cmd {
		case svc.Interrogate:
			status <- c.CurrentStatus
		case svc.Stop, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending}
			return false, 0
		}
	}
	return false, 0
}

func main() {
	// The service control manager passes the name that the service was
	// registered under; one binary serves every name.
	if err := svc.Run("", stub{}); err != nil {
		log.Fatal(err)
	}
}
