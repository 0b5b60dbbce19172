// Command stubsvc is a Windows service that does nothing but run until it is
// told to stop. Wine lacks most of Windows' services; tests register this one
// under names of their own (sc create) to have real services with
// dependencies between them, and slow ones:
//
//	sc create NAME binPath= "C:\...\stubsvc.exe -start-delay=2s -stop-delay=2s" type= own
//
// For the delays it stays in START_PENDING (refusing to be stopped, as many
// services do while they start) or STOP_PENDING.
package main

import (
	"flag"
	"log"
	"time"

	"golang.org/x/sys/windows/svc"
)

type stub struct{ startDelay, stopDelay time.Duration }

func (s stub) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	if s.startDelay > 0 {
		status <- svc.Status{State: svc.StartPending, WaitHint: uint32(s.startDelay.Milliseconds())}
		time.Sleep(s.startDelay)
	}
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for c := range req {
		switch c.Cmd {
		case svc.Interrogate:
			status <- c.CurrentStatus
		case svc.Stop, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending, WaitHint: uint32(s.stopDelay.Milliseconds())}
			time.Sleep(s.stopDelay)
			return false, 0
		}
	}
	return false, 0
}

func main() {
	var s stub
	flag.DurationVar(&s.startDelay, "start-delay", 0, "stay in START_PENDING this long")
	flag.DurationVar(&s.stopDelay, "stop-delay", 0, "stay in STOP_PENDING this long")
	flag.Parse()
	// For a service in a process of its own, the service control manager
	// ignores the name given here: one binary serves every name.
	if err := svc.Run("", s); err != nil {
		log.Fatal(err)
	}
}
