from faceparse.cli import main

main()
