"""An emoji for every animal coolname names, where Unicode has none of its own: the emoji of a
close relative or look-alike (a hawk gets the eagle, a capuchin the monkey). Animals Unicode
names itself (DOLPHIN, FOX FACE) are found by `nicknames.icon`; anything else gets paw prints."""

from __future__ import annotations

FALLBACK = "\U0001F43E"  # PAW PRINTS
RELATIVES = {
    "\U0001F985": "buzzard caracara condor falcon goshawk harrier hawk kestrel raptor vulture",  # EAGLE
    "\U0001F99C": "ara cockatoo kakapo lorikeet macaw parakeet",  # PARROT
    "\U0001F986": "goose teal",  # DUCK
    "\U0001F427": "auk guillemot puffin",  # PENGUIN
    "\U0001F413": "chachalaca curassow guan junglefowl partridge pheasant quail grouse",  # ROOSTER
    "\U0001F426": "albatross avocet bittern boobook booby bullfinch bustard cassowary coot cormorant coua "
                  "coucal crane crow cuckoo dove emu finch frigatebird frogmouth fulmar grebe heron hoatzin "
                  "hummingbird ibis jacamar jackdaw jaybird kagu kittiwake kiwi koel loon lyrebird magpie malkoha "
                  "myna nightingale nuthatch oriole ostrich oxpecker pelican petrel piculet pigeon potoo quetzal "
                  "raven roadrunner robin rook seagull seriema shoebill skua skylark sparrow spoonbill starling "
                  "stork swallow swift kingfisher tody toucan toucanet trogon turaco waxbill woodpecker wren",  # BIRD
    "\U0001F40D": "adder anaconda asp boa cobra copperhead mamba python rattlesnake sidewinder taipan viper",
    "\U0001F40A": "alligator caiman gharial",  # CROCODILE
    "\U0001F98E": "agama axolotl chameleon gecko iguana newt pogona salamander skink tuatara",  # LIZARD
    "\U0001F422": "tortoise",  # TURTLE
    "\U0001F438": "bullfrog toad",  # FROG FACE
    "\U0001F41F": "angelfish barracuda carp catfish flounder goldfish guppy herring lionfish mackerel oarfish "
                  "perch salmon seahorse eel stingray sturgeon sunfish tench trout tuna wrasse",  # FISH
    "\U0001F988": "dogfish sawfish",  # SHARK
    "\U0001F42C": "beluga porpoise",  # DOLPHIN
    "\U0001F40B": "narwhal orca",  # WHALE
    "\U0001F9AD": "dugong manatee walrus",  # SEAL
    "\U0001F41A": "ammonite barnacle limpet nautilus",  # SPIRAL SHELL
    "\U0001F9AA": "clam cockle mussel scallop shellfish",  # OYSTER
    "\U0001F991": "cuttlefish",  # SQUID
    "\U0001F419": "jellyfish",  # OCTOPUS
    "\U0001F421": "urchin",  # BLOWFISH
    "\U0001F990": "prawn",  # SHRIMP
    "\U0001F99E": "crayfish",  # LOBSTER
    "\u2B50": "starfish",  # STAR
    "\U0001F40C": "slug",  # SNAIL
    "\U0001F41B": "caterpillar centipede earthworm earwig inchworm leech millipede pillbug silkworm woodlouse",
    "\U0001F41D": "bee bumblebee hornet sawfly wasp",  # HONEYBEE
    "\U0001F98B": "moth",  # BUTTERFLY
    "\U0001F41E": "firefly ladybug",  # LADY BEETLE
    "\U0001F997": "cicada grasshopper locust mantis",  # CRICKET
    "\U0001F41C": "termite",  # ANT
    "\U0001F99F": "dragonfly mayfly",  # MOSQUITO
    "\U0001F577": "tarantula",  # SPIDER
    "\U0001F994": "echidna porcupine",  # HEDGEHOG
    "\U0001F98D": "ape bonobo chimpanzee",  # GORILLA
    "\U0001F412": "baboon capuchin galago gibbon lemur loris macaque mandrill marmoset tamarin tarsier uakari",
    "\U0001F401": "dormouse jerboa lemming mole shrew vole",  # MOUSE
    "\U0001F439": "agouti capybara chinchilla degu gerbil hyrax",  # HAMSTER FACE
    "\U0001F43F": "gopher groundhog marmot squirrel",  # CHIPMUNK
    "\U0001F9AB": "muskrat platypus",  # BEAVER
    "\U0001F407": "hare jackrabbit",  # RABBIT
    "\U0001F9A1": "ermine ferret marten meerkat mink mongoose polecat stoat weasel wolverine",  # BADGER
    "\U0001F408": "bobcat caracal fossa jaguarundi lynx manul ocelot serval wildcat",  # CAT
    "\U0001F406": "cheetah cougar jaguar panther puma smilodon",  # LEOPARD
    "\U0001F415": "coyote dingo hound hyena jackal",  # DOG
    "\U0001F98A": "fennec",  # FOX FACE
    "\U0001F99D": "binturong civet coati ringtail tanuki",  # RACCOON
    "\U0001F98C": "antelope caribou chital elk gazelle impala kudu moose nyala oryx pronghorn pudu reindeer "
                  "saiga sambar wapiti wildebeest",  # DEER
    "\U0001F410": "chamois ibex markhor mouflon",  # GOAT
    "\U0001F403": "buffalo gaur muskox yak zebu",  # WATER BUFFALO
    "\U0001F402": "bull",  # OX
    "\U0001F999": "alpaca vicugna",  # LLAMA
    "\U0001F42A": "camel",  # DROMEDARY CAMEL
    "\U0001F417": "hog peccary swine tapir warthog",  # BOAR
    "\U0001F99B": "hippo",  # HIPPOPOTAMUS
    "\U0001F98F": "rhino",  # RHINOCEROS
    "\U0001F40E": "donkey stallion",  # HORSE
    "\U0001F992": "okapi",  # GIRAFFE FACE
    "\U0001F9A3": "mastodon",  # MAMMOTH
    "\U0001F995": "dinosaur",  # SAUROPOD
    "\U0001F996": "velociraptor",  # T-REX
    "\U0001F998": "bandicoot bettong cuscus numbat quokka quoll wallaby wombat",  # KANGAROO
    "\U0001F9A5": "aardvark aardwolf anteater armadillo",  # SLOTH
}
BY_ANIMAL = {animal: emoji for emoji, animals in RELATIVES.items() for animal in animals.split()}
