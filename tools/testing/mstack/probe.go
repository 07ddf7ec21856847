// SPDX-License-Identifier: GPL-2.0

// mstack_probe_go: the Go client of mstack's supervisor tests. Go's net
// package makes raw socket system calls (never libc's socket()), and its
// runtime signals threads constantly (SIGURG preemption), which is what
// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is for.
//
//	mstack_probe_go PORT [N]
//
// connects N times (default 20, from as many goroutines) to 127.0.0.1:PORT
// and prints each distinct one-line banner it read, sorted.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mstack_probe_go PORT [N]")
		os.Exit(1)
	}
	n := 20
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	addr := "127.0.0.1:" + os.Args[1]
	var mu sync.Mutex
	seen := map[string]bool{}
	failed := 0
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				fmt.Fprintln(os.Stderr, "mstack_probe_go:", err)
				mu.Lock()
				failed++
				mu.Unlock()
				return
			}
			defer c.Close()
			line, _ := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			seen[strings.TrimSpace(line)] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	for _, s := range out {
		fmt.Println(s)
	}
	if failed > 0 {
		os.Exit(2)
	}
}
