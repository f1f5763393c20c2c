package containerstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Driver is the only storage driver written natively.
const Driver = "vfs"

// ErrNotWritable marks an image store this process cannot write (a
// *NotWritableError says where and why).
var ErrNotWritable = errors.New("the image store cannot be written")

// ErrDriver marks a storage driver this package does not write.
var ErrDriver = errors.New("ferry writes only vfs image stores itself")

// NotWritableError is an image store that cannot be written.
type NotWritableError struct {
	Root string
	Err  error
}

func (e *NotWritableError) Error() string {
	return fmt.Sprintf("the image store at %s cannot be written (%v)", e.Root, e.Err)
}

// Is makes errors.Is(err, ErrNotWritable) true.
func (e *NotWritableError) Is(target error) bool { return target == ErrNotWritable }

func (e *NotWritableError) Unwrap() error { return e.Err }

// Store is an open image store, locked against every other writer (the
// containers libraries take the same locks) until Close.
type Store struct {
	root   string
	locks  map[string]*os.File
	dirty  map[string]bool
	layers []json.RawMessage
	byID   map[string]layerRecord
	images []map[string]json.RawMessage
	imgIdx map[string]int
	now    func() time.Time
}

// layerRecord is what layers.json says of a layer, as the containers
// libraries name the fields. A record read from the store is kept as read:
// fields this package does not know survive a rewrite.
type layerRecord struct {
	ID                 string         `json:"id"`
	Parent             string         `json:"parent,omitempty"`
	Created            time.Time      `json:"created,omitempty"`
	CompressedDigest   string         `json:"compressed-diff-digest,omitempty"`
	CompressedSize     int64          `json:"compressed-size,omitempty"`
	UncompressedDigest string         `json:"diff-digest,omitempty"`
	UncompressedSize   int64          `json:"diff-size,omitempty"`
	CompressionType    int            `json:"compression,omitempty"`
	UIDs               []uint32       `json:"uidset,omitempty"`
	GIDs               []uint32       `json:"gidset,omitempty"`
	Flags              map[string]any `json:"flags,omitempty"`
}

// imageRecord is what images.json says of an image.
type imageRecord struct {
	ID             string            `json:"id"`
	Digest         string            `json:"digest,omitempty"`
	Names          []string          `json:"names,omitempty"`
	NamesHistory   []string          `json:"names-history,omitempty"`
	TopLayer       string            `json:"layer,omitempty"`
	Metadata       string            `json:"metadata,omitempty"`
	BigDataNames   []string          `json:"big-data-names,omitempty"`
	BigDataSizes   map[string]int64  `json:"big-data-sizes,omitempty"`
	BigDataDigests map[string]string `json:"big-data-digests,omitempty"`
	Created        time.Time         `json:"created,omitempty"`
}

// The store's folders and files, under its root, for the vfs driver.
const (
	layersDir  = "vfs-layers"
	imagesDir  = "vfs-images"
	layerTrees = "vfs/dir"
	storeLock  = "storage.lock"
	layersJSON = layersDir + "/layers.json"
	imagesJSON = imagesDir + "/images.json"
	layersLock = layersDir + "/layers.lock"
	imagesLock = imagesDir + "/images.lock"
)

// Open opens (creating it if need be) the vfs image store at root and
// locks it. A store that cannot be written is ErrNotWritable.
func Open(root string) (*Store, error) {
	for _, d := range []string{root, filepath.Join(root, layerTrees), filepath.Join(root, layersDir), filepath.Join(root, imagesDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, notWritable(root, err)
		}
	}
	s := &Store{root: root, locks: map[string]*os.File{}, dirty: map[string]bool{}, byID: map[string]layerRecord{}, imgIdx: map[string]int{}, now: time.Now}
	for _, l := range []string{storeLock, layersLock, imagesLock} {
		f, err := os.OpenFile(filepath.Join(root, l), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			s.Close()
			return nil, notWritable(root, err)
		}
		s.locks[l] = f
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
		for {
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("cannot lock the image store at %s: %w", root, err)
		}
	}
	if err := s.load(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func notWritable(root string, err error) error {
	return &NotWritableError{Root: root, Err: unwrapPath(err)}
}

// unwrapPath is the system's reason without the path it names twice.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (s *Store) load() error {
	if err := readJSON(filepath.Join(s.root, layersJSON), &s.layers); err != nil {
		return err
	}
	for _, raw := range s.layers {
		var l layerRecord
		if err := json.Unmarshal(raw, &l); err != nil {
			return fmt.Errorf("the image store's %s cannot be read: %w", layersJSON, err)
		}
		s.byID[l.ID] = l
	}
	if err := readJSON(filepath.Join(s.root, imagesJSON), &s.images); err != nil {
		return err
	}
	for i, raw := range s.images {
		var id string
		if err := json.Unmarshal(raw["id"], &id); err != nil {
			return fmt.Errorf("the image store's %s cannot be read: %w", imagesJSON, err)
		}
		s.imgIdx[id] = i
	}
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil
	}
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return fmt.Errorf("the image store's %s cannot be read: %w", path, err)
	}
	return nil
}

// Close records a write in every lock file whose records changed (so the
// containers libraries, which cache the records, read them again) and
// releases the locks.
func (s *Store) Close() error {
	var first error
	for name, f := range s.locks {
		if s.dirty[name] {
			if _, err := f.WriteAt(lastWrite(), 0); err != nil && first == nil {
				first = fmt.Errorf("cannot record the write in %s: %w", f.Name(), err)
			}
		}
		_ = f.Close() // closing releases the lock
	}
	s.locks = nil
	return first
}

// lastWrite is a new writer's mark, 64 bytes as the containers libraries
// write it: time, a counter, the process, and random bytes.
func lastWrite() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint64(b[0:8], uint64(time.Now().UnixNano()))
	binary.LittleEndian.PutUint64(b[8:16], 1)
	binary.LittleEndian.PutUint32(b[16:20], uint32(os.Getpid()))
	_, _ = rand.Read(b[20:])
	return b
}

// LayerID is the ID the containers libraries give a layer: its diff ID's
// hex for a base layer, else the sha256 of the parent's ID, "+" and the
// diff ID's hex — a chain ID, so the same layers over the same parents
// share one ID in every store.
func LayerID(parent, diffID string) string {
	hexID := trimAlg(diffID)
	if parent == "" {
		return hexID
	}
	sum := sha256.Sum256([]byte(parent + "+" + hexID))
	return hex.EncodeToString(sum[:])
}

func trimAlg(d string) string {
	if len(d) > 7 && d[:7] == "sha256:" {
		return d[7:]
	}
	return d
}

// HasLayer says whether the store holds layer id whole: recorded, not
// marked incomplete, and its tree present.
func (s *Store) HasLayer(id string) bool {
	l, ok := s.byID[id]
	if !ok || l.Flags["incomplete"] == true {
		return false
	}
	_, err := os.Stat(s.layerDir(id))
	return err == nil
}

func (s *Store) layerDir(id string) string { return filepath.Join(s.root, layerTrees, id) }

// addLayer records a layer whose tree and tar-split are in place.
func (s *Store) addLayer(l layerRecord) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	s.layers = append(s.layers, raw)
	s.byID[l.ID] = l
	if err := writeJSON(filepath.Join(s.root, layersJSON), s.layers); err != nil {
		s.layers = s.layers[:len(s.layers)-1]
		delete(s.byID, l.ID)
		return err
	}
	s.dirty[layersLock] = true
	return nil
}

// writeJSON replaces a records file atomically, as the libraries do.
func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeAtomic(path, data, 0o600)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
